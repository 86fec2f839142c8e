import ChildProcess
import DockerClient

/// Moves images between OCI layouts and a job's Docker daemon with `skopeo copy`.
///
/// skopeo runs as a child process with an argument array (never a shell); its progress goes to
/// our standard error when `showProgress` is set (the caller decides: a TTY or not), and the tail of its
/// standard error ends up in the error when it fails.
public struct Skopeo: Sendable {
    public let executable: String

    public init(executable: String = "skopeo") throws(SkopeoError) {
        guard let path = ChildProcess.which(executable) else { throw SkopeoError.skopeoMissing }
        self.executable = path
    }

    /// `oci:LAYOUT:latest` -> `docker-daemon:NAME:TAG` on the job's daemon.
    public func copyToDaemon(layout: String, layoutTag: String = "latest", image: DaemonImageReference,
                             daemon: DaemonEndpoint, showProgress: Bool) async throws(SkopeoError) {
        let arguments = Self.toDaemonArguments(layout: layout, layoutTag: layoutTag, image: image, daemon: daemon, quiet: !showProgress)
        try await copy(arguments, source: "oci:\(layout)", destination: "docker-daemon:\(image)", showProgress: showProgress)
    }

    /// `docker-daemon:NAME:TAG` -> `oci:LAYOUT:latest`.
    public func copyFromDaemon(image: DaemonImageReference, daemon: DaemonEndpoint, layout: String,
                               layoutTag: String = "latest", showProgress: Bool) async throws(SkopeoError) {
        let arguments = Self.fromDaemonArguments(image: image, daemon: daemon, layout: layout, layoutTag: layoutTag, quiet: !showProgress)
        try await copy(arguments, source: "docker-daemon:\(image)", destination: "oci:\(layout)", showProgress: showProgress)
    }

    static func toDaemonArguments(layout: String, layoutTag: String, image: DaemonImageReference,
                                  daemon: DaemonEndpoint, quiet: Bool) -> [String] {
        ["copy"] + (quiet ? ["--quiet"] : []) + [
            "--dest-daemon-host", daemon.dockerHost, "--dest-cert-dir", daemon.certificateDirectory,
            "oci:\(layout):\(layoutTag)", "docker-daemon:\(image)",
        ]
    }

    static func fromDaemonArguments(image: DaemonImageReference, daemon: DaemonEndpoint, layout: String,
                                    layoutTag: String, quiet: Bool) -> [String] {
        ["copy"] + (quiet ? ["--quiet"] : []) + [
            "--src-daemon-host", daemon.dockerHost, "--src-cert-dir", daemon.certificateDirectory,
            "docker-daemon:\(image)", "oci:\(layout):\(layoutTag)",
        ]
    }

    private func copy(_ arguments: [String], source: String, destination: String, showProgress: Bool) async throws(SkopeoError) {
        let result: ProcessResult
        do {
            result = try await ChildProcess.run(executable, arguments, errors: showProgress ? .passthrough : .capture)
        } catch {
            throw SkopeoError.launchFailed(error.description)
        }
        guard result.status == 0 else {
            throw SkopeoError.copyFailed(source: source, destination: destination, status: result.status, errorTail: result.errorTail)
        }
    }
}
