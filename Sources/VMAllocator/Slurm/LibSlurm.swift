internal import CSlurm
import Foundation
import HostSystem

/// The one gate to libslurm: initialization and a serial queue for its blocking calls.
///
/// Each RPC blocks its thread for up to MessageTimeout (10 s by default) when slurmctld is slow
/// or down, so calls run on this queue instead of the cooperative pool. libslurm keeps its
/// configuration and its errno in process/thread state: a single serial queue keeps `slurm_init`
/// before every call and lets each call read `slurm_get_errno()` on the thread that failed.
enum LibSlurm {
    private static let queue = BlockingQueue(label: "pcocc-docker.libslurm")

    /// The configuration libslurm was initialized with. Only touched on `queue`.
    nonisolated(unsafe) private static var initializedPath: String?

    /// Runs `body` on the libslurm queue once libslurm is initialized from `configuration`.
    static func call<T: Sendable>(
        configuration: String,
        _ body: @escaping @Sendable () -> Result<T, JobError>
    ) async throws(JobError) -> T {
        try await queue.perform { () throws(JobError) -> T in
            if let error = initialize(configuration) { throw error }
            return try body().get()
        }
    }

    /// slurm_init reads the configuration once per process and cannot be redone; a second
    /// configuration in the same process is refused rather than silently ignored.
    private static func initialize(_ path: String) -> JobError? {
        if let initializedPath {
            guard initializedPath == path else {
                return JobError(
                    code: .failed,
                    message: "libslurm already uses \(initializedPath); cannot switch to \(path) in the same process")
            }
            return nil
        }
        // Checked again here: the file may have gone since the scheduler was made, and then slurm_init exits.
        guard FileManager.default.isReadableFile(atPath: path) else {
            return .noConfiguration("\(path) is not a readable file")
        }
        slurm_init(path)
        initializedPath = path
        return nil
    }

    /// The error for the call that just failed on this thread. Must run right after that call.
    static func lastError(_ subject: JobError.Subject) -> JobError {
        let number = slurm_get_errno()
        let reason = slurm_strerror(number).map { String(cString: $0) } ?? "unknown error"
        return JobError.fromSlurm(errno: number, reason: reason, subject: subject)
    }
}

/// libslurm error numbers (slurm_errno.h) the mapping needs.
enum SlurmErrno {
    static let accessDenied = number(ESLURM_ACCESS_DENIED)
    static let userIDMissing = number(ESLURM_USER_ID_MISSING)
    static let invalidJobID = number(ESLURM_INVALID_JOB_ID)
    static let invalidNodeName = number(ESLURM_INVALID_NODE_NAME)
    static let alreadyDone = number(ESLURM_ALREADY_DONE)

    static func number(_ code: slurm_err_t) -> Int32 { Int32(bitPattern: code.rawValue) }

    /// Connection, send/receive, authentication (munge) and socket errors: slurmctld is out of reach.
    static func isCommunication(_ errno: Int32) -> Bool {
        let slurmCodes: [slurm_err_t] = [
            SLURM_COMMUNICATIONS_CONNECTION_ERROR, SLURM_COMMUNICATIONS_SEND_ERROR,
            SLURM_COMMUNICATIONS_RECEIVE_ERROR, SLURM_COMMUNICATIONS_SHUTDOWN_ERROR,
            SLURM_PROTOCOL_AUTHENTICATION_ERROR, SLURM_COMMUNICATIONS_MISSING_SOCKET_ERROR,
            SLURMCTLD_COMMUNICATIONS_CONNECTION_ERROR, SLURMCTLD_COMMUNICATIONS_SEND_ERROR,
            SLURMCTLD_COMMUNICATIONS_RECEIVE_ERROR, SLURMCTLD_COMMUNICATIONS_SHUTDOWN_ERROR,
        ]
        // 5000-5099: SLURM_PROTOCOL_SOCKET_* (timeouts, short reads).
        return slurmCodes.contains { number($0) == errno } || (5000..<5100).contains(errno)
            || errno == ECONNREFUSED || errno == ETIMEDOUT || errno == EHOSTUNREACH
    }
}
