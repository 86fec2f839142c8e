import ChildProcess
import Foundation
import ImageRepo
import SkopeoBridge

/// Moves images between the pcocc repositories and one job's daemon: export (repository -> daemon)
/// and import (daemon -> repository, with the squashfs pcocc runs it from). Every temporary
/// directory lives in the repository's .tmp and goes on every path.
struct ImageTransfer: Sendable {
    let repositories: ImageRepositories
    let daemon: DaemonEndpoint
    let skopeo: Skopeo
    /// skopeo's progress and our steps on a terminal; quiet otherwise.
    let showProgress: Bool

    init(daemon: DaemonEndpoint) throws {
        self.repositories = try ImageRepositories.load()
        self.daemon = daemon
        self.skopeo = try Skopeo()
        self.showProgress = isatty(STDERR_FILENO) == 1
    }

    /// Rebuilds the stored image's OCI layout by links (no copy) and has skopeo load it into the daemon.
    func export(_ image: StoredImage, as reference: DaemonImageReference) async throws {
        guard image.kind == "ctr" else {
            throw CommandFailure("image '\(image.reference)' is a \(image.kind) image, not a container image: it cannot be exported to docker")
        }
        let scratch = try image.repository.makeTemporaryDirectory()
        defer { scratch.remove() }
        let layout = scratch.path + "/layout"
        try image.repository.exportOCILayout(image, to: layout)
        try await skopeo.copyToDaemon(layout: layout, image: reference, daemon: daemon, showProgress: showProgress)
    }

    /// Refuses an existing `name` early, before any copying, unless `force`.
    func checkDestination(_ name: ImageName, force: Bool) throws {
        let repository = try repositories.destination(for: name)
        if !force && repository.contains(name.name) {
            throw CommandFailure("Image \(name.name) already exists in repo \(repository.name): choose another name or use --force")
        }
    }

    /// Copies the daemon's image into the repository and generates its squashfs in pcocc's cache.
    /// A failure after the store takes the new image back out, so nothing partial stays.
    @discardableResult
    func importImage(_ reference: DaemonImageReference, as name: ImageName, force: Bool) async throws -> StoredImage {
        try checkDestination(name, force: force)
        let repository = try repositories.destination(for: name)
        let scratch = try repository.makeTemporaryDirectory()
        defer { scratch.remove() }
        let layout = scratch.path + "/layout"
        try await skopeo.copyFromDaemon(image: reference, daemon: daemon, layout: layout, showProgress: showProgress)
        progress("Storing image in repository '\(repository.name)' as '\(name.name)' ...")
        for other in repositories.otherRepositories(holding: name.name, besides: repository) {
            progress("warning: an image named '\(name.name)' also exists in repository '\(other.name)'")
        }
        let stored = try repository.storeOCILayout(at: layout, as: name.name, force: force)
        do {
            progress("Generating squashfs image ...")
            try await writeSquashfs(of: stored, scratch: scratch.path)
        } catch {
            try? repository.delete(name.name)
            throw error
        }
        return stored
    }

    /// The cache entry pcocc runs the image from, built by streaming the layers (no rootfs on disk).
    private func writeSquashfs(of image: StoredImage, scratch: String) async throws {
        let relinked = scratch + "/stored"
        try image.repository.exportOCILayout(image, to: relinked)
        let output = repositories.cache.squashfsPath(for: image)
        try FileManager.default.createDirectory(
            atPath: (output as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        _ = try await SquashfsBuilder.build(layout: relinked, manifestDigest: nil, output: output)
    }
}
