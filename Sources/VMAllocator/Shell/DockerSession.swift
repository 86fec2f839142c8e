import ChildProcess
import Foundation

/// Runs the user's shell, or a -E script, with the docker CLI pointed at a job's VM.
public struct DockerSession: Sendable {
    public let jobID: String
    public let endpoint: EndpointRecord
    public let directory: JobDirectory

    public init(jobID: String, endpoint: EndpointRecord, directory: JobDirectory) {
        self.jobID = jobID
        self.endpoint = endpoint
        self.directory = directory
    }

    /// DOCKER_HOST, DOCKER_TLS_VERIFY, DOCKER_CERT_PATH and PCOCC_JOB_ID (which selects the job
    /// for pcocc-docker commands run in the shell), in the order `env` prints them.
    public var variables: [(String, String)] {
        [
            ("DOCKER_HOST", "tcp://\(HostPort.format(endpoint.host, endpoint.port))"),
            ("DOCKER_TLS_VERIFY", "1"),
            ("DOCKER_CERT_PATH", directory.clientCertificates),
            ("PCOCC_JOB_ID", jobID),
        ]
    }

    public static let variableNames = ["DOCKER_HOST", "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH", "PCOCC_JOB_ID"]

    /// Runs `script` with /bin/sh, or the user's interactive shell with the `(pcocc/JOBID)` prompt.
    /// Returns the exit status.
    public func run(script: String?) async throws -> Int32 {
        var environment = ProcessInfo.processInfo.environment
        for (name, value) in variables { environment[name] = value }
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
