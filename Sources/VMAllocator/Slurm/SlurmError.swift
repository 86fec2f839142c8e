import Foundation
import HostSystem

/// Every failure of the Slurm part of VMAllocator (libslurm queries and job control).
///
/// `code` is what callers branch on; `message` is one line naming the object, ready for the CLI;
/// `slurmErrno` keeps libslurm's own error number when it was the cause.
public struct SlurmError: Error, Sendable, Equatable, CustomStringConvertible {
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
    }

    public let code: Code
    public let message: String
    public let slurmErrno: Int32?

    public init(code: Code, message: String, slurmErrno: Int32? = nil) {
        self.code = code
        self.message = message
        self.slurmErrno = slurmErrno
    }

    public var description: String { message }

    public static func noConfiguration(_ detail: String) -> SlurmError {
        SlurmError(code: .noConfiguration, message: "no Slurm configuration: \(detail)")
    }

    public static func invalidJobID(_ id: String) -> SlurmError {
        SlurmError(code: .invalidJobID, message: "'\(id)' is not a Slurm job id (expected a number such as 1234)")
    }

    public static func jobNotFound(_ id: String, slurmErrno: Int32? = nil) -> SlurmError {
        SlurmError(
            code: .jobNotFound, message: "job \(id) not found (unknown, or finished a while ago)",
            slurmErrno: slurmErrno)
    }

    public static func notOwner(jobID: String, owner: uid_t) -> SlurmError {
        SlurmError(code: .notOwner, message: "job \(jobID) belongs to user \(userName(owner))")
    }

    public static func nodeNotFound(_ name: String, slurmErrno: Int32? = nil) -> SlurmError {
        SlurmError(
            code: .nodeNotFound, message: "node '\(name)' not found in the Slurm configuration", slurmErrno: slurmErrno)
    }

    /// The error for libslurm error number `errno` (with its text `reason`) while acting on `subject`.
    ///
    /// Pure, so the mapping is unit-tested without a cluster.
    static func fromSlurm(errno: Int32, reason: String, subject: Subject) -> SlurmError {
        switch (errno, subject) {
        case (SlurmErrno.invalidJobID, .job(let id)):
            return .jobNotFound(id, slurmErrno: errno)
        case (SlurmErrno.invalidNodeName, .node(let name)):
            return .nodeNotFound(name, slurmErrno: errno)
        case (SlurmErrno.accessDenied, _), (SlurmErrno.userIDMissing, _):
            return SlurmError(
                code: .permissionDenied, message: "\(subject): permission denied (\(reason))", slurmErrno: errno)
        case _ where SlurmErrno.isCommunication(errno):
            return SlurmError(code: .unreachable, message: "cannot reach slurmctld: \(reason)", slurmErrno: errno)
        default:
            return SlurmError(code: .failed, message: "\(subject): \(reason) (Slurm error \(errno))", slurmErrno: errno)
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
            case .jobsOfUser(let uid): return "jobs of user \(SlurmError.userName(uid))"
            }
        }
    }

    /// "bob", or "uid 1234" when the account is not known here (e.g. a remote-only user).
    static func userName(_ uid: uid_t) -> String {
        UserAccount.name(of: uid)
    }
}
