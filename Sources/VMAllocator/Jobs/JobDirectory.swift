import Foundation
import HostSystem
import TLSCerts

/// The per-job state directory, `<state_dir>/job_<JOBID>/`, on the shared home (ARCHITECTURE.md).
///
/// The launcher creates it (0700) before the certificates; the VM step writes the endpoint, the console log and,
/// when it fails, its failure record into it; the launcher removes it when the job ends.
public struct JobDirectory: Sendable, Equatable {
    public let jobID: String
    public let stateDirectory: String
    public let path: String

    public init(stateDirectory: String, jobID: String) {
        self.jobID = jobID
        self.stateDirectory = stateDirectory
        self.path = "\(stateDirectory)/job_\(jobID)"
    }

    /// The directory as the VM step is handed it (`--job-dir`).
    public init(path: String, jobID: String) {
        self.jobID = jobID
        self.stateDirectory = (path as NSString).deletingLastPathComponent
        self.path = path
    }

    /// DOCKER_CERT_PATH: ca.pem, cert.pem, key.pem (the layout TLSCerts writes).
    public var clientCertificates: String { JobCertificatePaths(jobDirectory: path).clientDirectory }
    /// ca.pem, server-cert.pem, server-key.pem handed to the guest.
    public var serverCertificates: String { JobCertificatePaths(jobDirectory: path).serverDirectory }
    public var dockerDirectory: String { "\(path)/docker" }
    /// Written by the VM step once dockerd answers (`EndpointRecord`).
    public var endpointFile: String { "\(dockerDirectory)/endpoint.json" }
    /// Notices for the user from the VM step (`VMNotices`).
    public var noticesFile: String { "\(dockerDirectory)/notices" }
    /// The VM step's progress (`VMStage`), for those who wait.
    public var stageFile: String { "\(dockerDirectory)/stage" }
    /// Written by the VM step when it fails (`VMFailureRecord`).
    public var failureFile: String { "\(dockerDirectory)/failure.json" }
    public var consoleLog: String { "\(dockerDirectory)/console.log" }
    /// Standard output and error of the VM step (`srun ... vm`).
    public var stepLog: String { "\(dockerDirectory)/vm.log" }
    /// Shell start-up files that add the `(pcocc/JOBID)` prompt prefix.
    public var shellDirectory: String { "\(dockerDirectory)/shell" }

    public var exists: Bool { FileManager.default.fileExists(atPath: path) }

    /// Creates the directory tree (and the state directory itself, like ~/.pcocc) with mode 0700 from the start,
    /// after checking that no other user can replace a directory on the way (`TrustedPath`).
    public func create() throws(JobError) {
        do {
            try TrustedPath.check(stateDirectory)
            try PrivateDirectory.create(stateDirectory)
            for directory in [path, dockerDirectory, shellDirectory] { try PrivateDirectory.make(directory) }
        } catch {
            throw JobError.untrustedState(reason: error.description)
        }
    }

    /// Checks, before anything is read from it, that the state directory and its ancestors are the user's or
    /// root's and not writable by others: another user must not be able to plant an endpoint or certificates.
    public func checkTrusted() throws(JobError) {
        do {
            try TrustedPath.check(stateDirectory)
        } catch {
            throw JobError.untrustedState(reason: error.description)
        }
    }

    /// Where a failed job's logs stay after its directory is removed: `<state_dir>/logs/`.
    public var keptLogsDirectory: String { "\(stateDirectory)/logs" }

    /// Copies the VM step's log and the guest console next to the other failed jobs' logs (0700), and returns the
    /// console copy's path (or the step log's when there is no console, or the directory when there is neither).
    public func keepLogs() -> String {
        guard (try? PrivateDirectory.make(keptLogsDirectory)) != nil else { return consoleLog }
        let manager = FileManager.default
        var kept = ""
        for (source, name) in [(stepLog, "vm.log"), (consoleLog, "console.log")]
        where manager.fileExists(atPath: source) {
            let target = "\(keptLogsDirectory)/job_\(jobID)-\(name)"
            try? manager.removeItem(atPath: target)
            if (try? manager.copyItem(atPath: source, toPath: target)) != nil { kept = target }
        }
        return kept.isEmpty ? keptLogsDirectory : kept
    }

    /// Removes everything the job left in the state directory.
    public func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}
