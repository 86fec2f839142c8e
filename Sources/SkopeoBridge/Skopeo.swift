import ChildProcess
import DockerClient
import Foundation
import HostSystem

/// Moves images between OCI layouts and a job's Docker daemon: skopeo converts between the OCI layout and a docker
/// archive, the docker CLI loads or saves that archive over the job's mutual TLS.
///
/// Not skopeo's `docker-daemon:` transport: Debian 12's skopeo speaks API 1.22 to the daemon, which dockerd refuses
/// since 26.0 (minimum 1.24). The docker CLI negotiates the version, so any CLI a user has works.
///
/// Every child runs with an argument array (never a shell); skopeo's progress goes to our standard error when
/// `showProgress` is set, and the tail of a failed child's standard error ends up in the error.
public struct Skopeo: Sendable {
    public let executable: String
    public let docker: String

    public init(executable: String = "skopeo", docker: String = "docker") throws(SkopeoError) {
        guard let path = ChildProcess.which(executable) else { throw SkopeoError.skopeoMissing }
        guard let dockerPath = ChildProcess.which(docker) else { throw SkopeoError.dockerMissing }
        self.executable = path
        self.docker = dockerPath
    }

    /// `oci:LAYOUT:latest` -> the daemon's `NAME:TAG`. The archive streams through a FIFO in `LAYOUT`'s directory
    /// (a private scratch directory), so nothing the size of the image is written twice.
    public func copyToDaemon(
        layout: String, layoutTag: String = "latest", image: DaemonImageReference,
        daemon: DaemonEndpoint, showProgress: Bool
    ) async throws(SkopeoError) {
        let archive = Self.archivePath(beside: layout)
        guard mkfifo(archive, 0o600) == 0 else {
            throw SkopeoError.launchFailed(SystemError("make the FIFO", archive).description)
        }
        defer { unlink(archive) }
        let toArchive = Self.toArchiveArguments(
            layout: layout, layoutTag: layoutTag, archive: archive, image: image, quiet: !showProgress)
        let load = Self.loadArguments(archive: archive)
        let source = "oci:\(layout)"
        let environment = daemon.environment(ProcessInfo.processInfo.environment)
        let (skopeo, docker) = (executable, self.docker)
        let errors: ChildProcess.ErrorMode = showProgress ? .passthrough : .capture
        // Both ends of the FIFO at once; the first to fail ends the other (blocked in open() or mid-stream).
        let failure: SkopeoError? = await withTaskGroup(of: SkopeoError?.self) { group in
            group.addTask {
                await Self.failure(
                    of: skopeo, toArchive, environment: nil, errors: errors, tool: "skopeo",
                    source: source, destination: "a docker archive")
            }
            group.addTask {
                await Self.failure(
                    of: docker, load, environment: environment, errors: .capture, tool: "docker load",
                    source: "a docker archive", destination: "\(daemon.dockerHost) as \(image)")
            }
            for await result in group {
                if let error = result {
                    group.cancelAll()
                    return error
                }
            }
            return nil
        }
        if let failure { throw failure }
    }

    /// The daemon's `NAME:TAG` -> `oci:LAYOUT:latest`, through `docker save` into an archive beside the layout
    /// (skopeo reads an archive by seeking, so a FIFO cannot do), removed as soon as skopeo is done.
    public func copyFromDaemon(
        image: DaemonImageReference, daemon: DaemonEndpoint, layout: String,
        layoutTag: String = "latest", showProgress: Bool
    ) async throws(SkopeoError) {
        let archive = Self.archivePath(beside: layout)
        defer { unlink(archive) }
        let environment = daemon.environment(ProcessInfo.processInfo.environment)
        if let error = await Self.failure(
            of: docker, Self.saveArguments(image: image, archive: archive), environment: environment, errors: .capture,
            tool: "docker save", source: "\(daemon.dockerHost)'s \(image)", destination: "a docker archive")
        {
            throw error
        }
        if let error = await Self.failure(
            of: executable,
            Self.fromArchiveArguments(archive: archive, layout: layout, layoutTag: layoutTag, quiet: !showProgress),
            environment: nil, errors: showProgress ? .passthrough : .capture, tool: "skopeo",
            source: "docker-archive of \(image)",
            destination: "oci:\(layout)")
        {
            throw error
        }
    }

    static func archivePath(beside layout: String) -> String {
        (layout as NSString).deletingLastPathComponent + "/docker-archive.tar"
    }

    static func toArchiveArguments(
        layout: String, layoutTag: String, archive: String, image: DaemonImageReference,
        quiet: Bool
    ) -> [String] {
        ["copy"] + (quiet ? ["--quiet"] : []) + ["oci:\(layout):\(layoutTag)", "docker-archive:\(archive):\(image)"]
    }

    static func fromArchiveArguments(archive: String, layout: String, layoutTag: String, quiet: Bool) -> [String] {
        ["copy"] + (quiet ? ["--quiet"] : []) + ["docker-archive:\(archive)", "oci:\(layout):\(layoutTag)"]
    }

    static func loadArguments(archive: String) -> [String] { ["load", "--quiet", "--input", archive] }

    static func saveArguments(image: DaemonImageReference, archive: String) -> [String] {
        ["save", "--output", archive, image.description]
    }

    /// Runs one child; nil when it exits 0, else the error naming what it was copying.
    private static func failure(
        of executable: String, _ arguments: [String], environment: [String: String]?,
        errors: ChildProcess.ErrorMode, tool: String, source: String, destination: String
    ) async
        -> SkopeoError?
    {
        let result: ProcessResult
        do {
            result = try await ChildProcess.run(executable, arguments, environment: environment, errors: errors)
        } catch {
            return Task.isCancelled ? nil : SkopeoError.launchFailed(error.description)
        }
        guard result.status == 0 else {
            if Task.isCancelled { return nil }
            return SkopeoError.copyFailed(
                tool: tool, source: source, destination: destination, status: result.status, errorTail: result.errorTail
            )
        }
        return nil
    }
}
