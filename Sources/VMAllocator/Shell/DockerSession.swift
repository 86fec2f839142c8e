import ChildProcess
import DockerClient
import Foundation
import HostSystem
import SiteConfig

/// Runs the user's shell, or a -E script, with the docker CLI pointed at a job's VM.
public struct DockerSession: Sendable {
    public let jobID: String
    public let endpoint: EndpointRecord
    public let directory: JobDirectory
    /// pcocc's containers.yaml: `docker_path` puts the site's docker CLI first in PATH, `docker_resolve_address`
    /// names the node by IP address in DOCKER_HOST.
    public let runtime: PcoccRuntime

    public init(jobID: String, endpoint: EndpointRecord, directory: JobDirectory, runtime: PcoccRuntime = .defaults) {
        self.jobID = jobID
        self.endpoint = endpoint
        self.directory = directory
        self.runtime = runtime
    }

    /// DOCKER_HOST, DOCKER_TLS_VERIFY, DOCKER_CERT_PATH and PCOCC_JOB_ID (which selects the job for pcocc-docker
    /// commands run in the shell), then PATH when docker_path is set, in the order `env` prints them.
    public func variables(environment: [String: String] = ProcessInfo.processInfo.environment) -> [(String, String)] {
        var daemon = directory.daemon(at: endpoint)
        if runtime.dockerResolveAddress, !HostNetwork.isIPAddress(endpoint.host),
            let address = HostNetwork.resolve(endpoint.host).first
        {
            daemon = DaemonEndpoint(host: address, port: daemon.port, certificateDirectory: daemon.certificateDirectory)
        }
        var variables = daemon.variables.map { ($0.name, $0.value) } + [("PCOCC_JOB_ID", jobID)]
        if let dockerPath = runtime.dockerPath {
            variables.append(("PATH", dockerPath + (environment["PATH"].map { ":\($0)" } ?? "")))
        }
        return variables
    }

    /// What `env --unset` removes (PATH stays: it was the user's before we prepended to it).
    public static let variableNames = DaemonEndpoint.variableNames + ["PCOCC_JOB_ID"]

    /// Runs `script` with /bin/sh, or the user's interactive shell with the `(pcocc/JOBID)` prompt.
    /// Returns the exit status.
    public func run(script: String?) async throws -> Int32 {
        var environment = ProcessInfo.processInfo.environment
        for (name, value) in variables(environment: environment) { environment[name] = value }
        if let script {
            return try await ChildProcess.interactive("/bin/sh", ["-c", script], environment: environment)
        }
        let shellPath = environment["SHELL"].flatMap { $0.isEmpty ? nil : $0 } ?? "/bin/sh"
        let shell = DockerShell(shellPath: shellPath, jobID: jobID)
        let home = environment["HOME"] ?? NSHomeDirectory()
        let invocation = try shell.invocation(writingFilesIn: directory.shellDirectory, home: home)
        for (name, value) in invocation.environment { environment[name] = value }
        return try await ChildProcess.interactive(invocation.executable, invocation.arguments, environment: environment)
    }
}
