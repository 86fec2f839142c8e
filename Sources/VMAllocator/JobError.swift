import Foundation
import HostSystem

/// The one error of VMAllocator: Slurm (libslurm queries, job control) and the jobs' docker VMs as the login side
/// and the launcher see them.
///
/// `code` is what callers branch on; `message` is one line naming the object, ready for the CLI;
/// `slurmErrno` keeps libslurm's own error number when it was the cause.
public struct JobError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable, Equatable {
        /// Neither SLURM_CONF nor /etc/slurm/slurm.conf: libslurm would exit the process.
        case noConfiguration
        /// slurmctld did not answer (down, wrong host/port, munge failure...).
        case unreachable
        case invalidJobID
        case jobNotFound
        case notOwner
        case permissionDenied
        case nodeNotFound
        /// Any other libslurm error; see `slurmErrno` and `message`.
        case failed
        /// A job that exists but is not a docker job, or no docker job matching what was asked.
        case notADockerJob, noDockerJob, ambiguousJob, noJobNamed
        case jobFinished
        case jobStartTimeout
        /// The VM step failed, did not answer in time, or has not answered yet.
        case vmFailed, vmNotReady, vmNotStarted
        case invalidEndpoint
        /// The state directory (or one above it) could be changed by another user.
        case untrustedState
    }

    public let code: Code
    public let message: String
    public let slurmErrno: Int32?
    /// Where the logs that explain a VM failure are (they move when the job directory goes).
    public let log: String?

    public init(code: Code, message: String, slurmErrno: Int32? = nil, log: String? = nil) {
        self.code = code
        self.message = message
        self.slurmErrno = slurmErrno
        self.log = log
    }

    public var description: String {
        guard let log else { return message }
        return "\(message) (details: \(log))"
    }

    /// The same error pointing at `log`, where the logs were kept.
    public func withLogs(_ log: String) -> JobError {
        guard self.log != nil else { return self }
        return JobError(code: code, message: message, slurmErrno: slurmErrno, log: log)
    }

    // MARK: Docker jobs and their VMs

    public static func untrustedState(reason: String) -> JobError {
        JobError(code: .untrustedState, message: reason)
    }

    public static func notADockerJob(jobID: String) -> JobError {
        JobError(
            code: .notADockerJob,
            message:
                "job \(jobID) is not a pcocc-docker job (no docker VM state for it): start one with 'pcocc-docker alloc' or 'batch'"
        )
    }

    public static let noDockerJob = JobError(
        code: .noDockerJob,
        message: "you have no running docker job: start one with 'pcocc-docker alloc' or 'pcocc-docker batch'")

    public static func ambiguousJob(candidates: [String]) -> JobError {
        JobError(
            code: .ambiguousJob,
            message: "you have several docker jobs (\(candidates.joined(separator: ", "))): choose one with -j JOBID")
    }

    public static func noJobNamed(_ name: String) -> JobError {
        JobError(code: .noJobNamed, message: "no docker job of yours is named '\(name)': see 'pcocc-docker ps'")
    }

    public static func jobFinished(jobID: String) -> JobError {
        JobError(code: .jobFinished, message: "job \(jobID) has finished: its docker VM is gone")
    }

    public static func vmFailed(jobID: String, detail: String, log: String) -> JobError {
        JobError(code: .vmFailed, message: "the docker VM of job \(jobID) failed: \(detail)", log: log)
    }

    public static func vmNotReady(jobID: String, seconds: Int, log: String) -> JobError {
        JobError(
            code: .vmNotReady,
            message: "the docker VM of job \(jobID) was not ready after \(seconds) s: raise -T or timeouts.vm_ready",
            log: log)
    }

    public static func vmNotStarted(jobID: String, state: String) -> JobError {
        JobError(
            code: .vmNotStarted,
            message:
                "the docker VM of job \(jobID) is not ready yet (job \(state)): 'pcocc-docker shell -j \(jobID)' waits for it"
        )
    }

    public static func jobStartTimeout(jobID: String, seconds: Int, reason: String) -> JobError {
        JobError(
            code: .jobStartTimeout,
            message:
                "job \(jobID) is still pending after \(seconds) s (\(reason)): it stays queued; raise timeouts.job_start or check 'squeue -j \(jobID)'"
        )
    }

    public static func invalidEndpoint(path: String) -> JobError {
        JobError(
            code: .invalidEndpoint,
            message: "\(path) is not a valid endpoint file: the VM step may have been interrupted")
    }

    // MARK: Slurm

    public static func noConfiguration(_ detail: String) -> JobError {
        JobError(code: .noConfiguration, message: "no Slurm configuration: \(detail)")
    }

    public static func invalidJobID(_ id: String) -> JobError {
        JobError(code: .invalidJobID, message: "'\(id)' is not a Slurm job id (expected a number such as 1234)")
    }

    public static func jobNotFound(_ id: String, slurmErrno: Int32? = nil) -> JobError {
        JobError(
            code: .jobNotFound, message: "job \(id) not found (unknown, or finished a while ago)",
            slurmErrno: slurmErrno)
    }

    public static func notOwner(jobID: String, owner: uid_t) -> JobError {
        JobError(code: .notOwner, message: "job \(jobID) belongs to user \(userName(owner))")
    }

    public static func nodeNotFound(_ name: String, slurmErrno: Int32? = nil) -> JobError {
        JobError(
            code: .nodeNotFound, message: "node '\(name)' not found in the Slurm configuration", slurmErrno: slurmErrno)
    }

    /// The error for libslurm error number `errno` (with its text `reason`) while acting on `subject`.
    ///
    /// Pure, so the mapping is unit-tested without a cluster.
    static func fromSlurm(errno: Int32, reason: String, subject: Subject) -> JobError {
        switch (errno, subject) {
        case (SlurmErrno.invalidJobID, .job(let id)):
            return .jobNotFound(id, slurmErrno: errno)
        case (SlurmErrno.invalidNodeName, .node(let name)):
            return .nodeNotFound(name, slurmErrno: errno)
        case (SlurmErrno.accessDenied, _), (SlurmErrno.userIDMissing, _):
            return JobError(
                code: .permissionDenied, message: "\(subject): permission denied (\(reason))", slurmErrno: errno)
        case _ where SlurmErrno.isCommunication(errno):
            return JobError(code: .unreachable, message: "cannot reach slurmctld: \(reason)", slurmErrno: errno)
        default:
            return JobError(code: .failed, message: "\(subject): \(reason) (Slurm error \(errno))", slurmErrno: errno)
        }
    }

    /// What a libslurm call was about, for messages.
    enum Subject: CustomStringConvertible {
        case job(String)
        case node(String)
        case jobsOfUser(uid_t)

        var description: String {
            switch self {
            case .job(let id): return "job \(id)"
            case .node(let name): return "node '\(name)'"
            case .jobsOfUser(let uid): return "jobs of user \(JobError.userName(uid))"
            }
        }
    }

    /// "bob", or "uid 1234" when the account is not known here (e.g. a remote-only user).
    static func userName(_ uid: uid_t) -> String {
        UserAccount.name(of: uid)
    }
}
