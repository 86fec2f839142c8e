internal import CSlurm
import Foundation

/// The libslurm calls behind `SlurmScheduler`. Each runs on the libslurm queue (see `LibSlurm.call`),
/// reads the error right after the call, and frees what it loaded before returning Swift values.
extension LibSlurm {
    /// SHOW_ALL: include jobs in partitions hidden from this user, as scontrol does.
    private static let showFlags = UInt16(SHOW_ALL)

    /// nil when slurmctld does not know the job (ESLURM_INVALID_JOB_ID).
    static func loadJob(_ number: UInt32, id: String) -> Result<JobInfo?, JobError> {
        var message: UnsafeMutablePointer<job_info_msg_t>?
        guard slurm_load_job(&message, number, showFlags) == 0 else {
            let error = lastError(.job(id))
            return error.code == .jobNotFound ? .success(nil) : .failure(error)
        }
        defer { slurm_free_job_info_msg(message) }
        guard let message, message.pointee.record_count > 0, let records = message.pointee.job_array else {
            return .success(nil)
        }
        return .success(JobInfo(records[0]))
    }

    static func loadJobs(ofUser uid: uid_t) -> Result<[JobInfo], JobError> {
        var message: UnsafeMutablePointer<job_info_msg_t>?
        guard slurm_load_job_user(&message, uid, showFlags) == 0 else {
            return .failure(lastError(.jobsOfUser(uid)))
        }
        defer { slurm_free_job_info_msg(message) }
        guard let message, let records = message.pointee.job_array else { return .success([]) }
        return .success((0..<Int(message.pointee.record_count)).map { JobInfo(records[$0]) })
    }

    /// nil `signal`: cancel like scancel (slurmctld sends SIGTERM, then SIGKILL after KillWait).
    /// Another signal goes to the batch script as well as the steps (KILL_FULL_JOB) and does not end the job.
    static func killJob(_ number: UInt32, id: String, signal: Int32?) -> Result<Void, JobError> {
        let signalNumber = UInt16(clamping: signal ?? SIGKILL)
        let flags = signal == nil ? 0 : pcocc_kill_full_job
        guard slurm_kill_job(number, signalNumber, flags) == 0 else {
            let error = lastError(.job(id))
            // Already ended: the caller's goal is met.
            return error.slurmErrno == SlurmErrno.alreadyDone ? .success(()) : .failure(error)
        }
        return .success(())
    }

    static func signalStep(_ number: UInt32, step: UInt32, id: String, signal: Int32) -> Result<Void, JobError> {
        guard slurm_signal_job_step(number, step, UInt32(clamping: signal)) == 0 else {
            let error = lastError(.job(id))
            return error.slurmErrno == SlurmErrno.alreadyDone ? .success(()) : .failure(error)
        }
        return .success(())
    }

    static func loadNodeAddress(_ nodeName: String) -> Result<(hostname: String, address: String), JobError> {
        var message: UnsafeMutablePointer<node_info_msg_t>?
        let status = nodeName.withCString { name in
            slurm_load_node_single(&message, UnsafeMutablePointer(mutating: name), showFlags)
        }
        guard status == 0 else { return .failure(lastError(.node(nodeName))) }
        defer { slurm_free_node_info_msg(message) }
        // An unknown name comes back as an empty list (or a record without a name), not an error.
        guard let message, message.pointee.record_count > 0, let records = message.pointee.node_array,
            records[0].name != nil
        else {
            return .failure(.nodeNotFound(nodeName))
        }
        // NodeHostname and NodeAddr default to the node name when slurm.conf omits them.
        let hostname = records[0].node_hostname.map { String(cString: $0) } ?? nodeName
        let address = records[0].node_addr.map { String(cString: $0) } ?? hostname
        return .success((hostname, address))
    }
}

extension JobInfo {
    /// Copies one of libslurm's job records; the caller frees the message that holds it.
    init(_ record: slurm_job_info_t) {
        // WAIT_NO_REASON reads "None": keep nil so callers need not compare strings.
        var reason: String?
        let code = job_state_reason(rawValue: UInt32(record.state_reason))
        if code != WAIT_NO_REASON {
            reason = slurm_job_reason_string(code).map { String(cString: $0) }
        }
        self.init(
            id: String(record.job_id),
            name: Self.string(record.name) ?? "",
            userID: record.user_id,
            state: JobState(slurmState: record.job_state),
            stateReason: reason,
            nodes: Self.string(record.nodes) ?? "",
            timeLimit: SlurmValues.minutes(record.time_limit),
            startTime: Self.date(record.start_time),
            endTime: Self.date(record.end_time),
            submitTime: Self.date(record.submit_time),
            suspendTime: Self.date(record.suspend_time),
            preSuspendTime: TimeInterval(record.pre_sus_time),
            comment: Self.string(record.comment))
    }

    /// nil for NULL and for the empty strings libslurm sends for unset fields.
    private static func string(_ pointer: UnsafeMutablePointer<CChar>?) -> String? {
        guard let pointer else { return nil }
        let value = String(cString: pointer)
        return value.isEmpty ? nil : value
    }

    private static func date(_ time: time_t) -> Date? {
        time > 0 ? Date(timeIntervalSince1970: TimeInterval(time)) : nil
    }
}
