import CLISupport
import ChildProcess
import DockerClient
import Foundation
import HostSystem
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

    init(daemon: DaemonEndpoint, repositories: ImageRepositories? = nil) throws {
        self.repositories = try repositories ?? ImageRepositories.load()
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

    /// Copies the daemon's image into the repository and writes its squashfs into pcocc's cache.
    /// The squashfs is generated first, from the fresh layout, so a failure leaves the repository as it
    /// was (with --force, the old image is still there); the store is the last step that can fail.
    @discardableResult
    func importImage(_ reference: DaemonImageReference, as name: ImageName, force: Bool) async throws -> StoredImage {
        try checkDestination(name, force: force)
        let repository = try repositories.destination(for: name)
        let scratch = try repository.makeTemporaryDirectory()
        defer { scratch.remove() }
        let layout = scratch.path + "/layout"
        try await skopeo.copyFromDaemon(image: reference, daemon: daemon, layout: layout, showProgress: showProgress)

        progress("Generating squashfs image ...")
        // The cache key depends on the stored metadata: build under a pending name in the cache
        // directory (same file system as the final entry), rename once the image is stored.
        try FileManager.default.createDirectory(atPath: repositories.cacheDirectory, withIntermediateDirectories: true)
        let pending = "\(repositories.cacheDirectory)/.pending-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: pending) }
        let stats = try await SquashfsBuilder.build(layout: layout, manifestDigest: nil, output: pending)
        if showProgress {
            let megabytes = Double(stats.bytesIn) / 1_000_000
            progress(String(format: "  %d layers, %.1f MB, %d entries in %.1f s", stats.layers, megabytes, stats.entries, stats.seconds))
        }

        progress("Storing image in repository '\(repository.name)' as '\(name.name)' ...")
        for other in repositories.otherRepositories(holding: name.name, besides: repository) {
            progress("warning: an image named '\(name.name)' also exists in repository '\(other.name)'")
        }
        let stored = try await runBlocking("pcocc-docker.store") { () throws(ImageRepoError) -> StoredImage in
            try repository.storeOCILayout(at: layout, as: name.name, force: force)
        }
        let output = repositories.cache.squashfsPath(for: stored)
        try FileManager.default.createDirectory(
            atPath: (output as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        guard rename(pending, output) == 0 else {
            throw CommandFailure("image '\(stored.reference)' is stored but its squashfs could not be moved to \(output): \(String(cString: strerror(errno)))")
        }
        return stored
    }
}
