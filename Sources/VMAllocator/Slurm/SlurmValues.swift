internal import CSlurm

/// How libslurm encodes values in its records, read from slurm.h rather than copied as numbers.
enum SlurmValues {
    /// "Not set" in a 32-bit field (NO_VAL).
    static let noValue = UInt32(NO_VAL)
    /// "Unlimited" in a 32-bit field (INFINITE).
    static let infinite = UInt32(INFINITE)

    /// A 32-bit time limit in minutes, or nil for unlimited or unset.
    static func minutes(_ limit: UInt32) -> Double? {
        limit == infinite || limit == noValue ? nil : Double(limit) * 60
    }
}

extension JobState {
    /// Maps slurmctld's `job_state`: the low byte is `enum job_states`, the rest are flags.
    /// The COMPLETING flag wins over the base state, because the job's processes may still run.
    init(slurmState: UInt32) {
        if slurmState & pcocc_job_completing != 0 {
            self = .completing
            return
        }
        switch job_states(rawValue: slurmState & UInt32(JOB_STATE_BASE)) {
        case JOB_PENDING: self = .pending
        case JOB_RUNNING: self = .running
        case JOB_SUSPENDED: self = .suspended
        case JOB_COMPLETE: self = .completed
        case JOB_CANCELLED: self = .cancelled
        case JOB_FAILED: self = .failed
        case JOB_TIMEOUT: self = .timeout
        case JOB_NODE_FAIL: self = .nodeFail
        case JOB_PREEMPTED: self = .preempted
        case JOB_BOOT_FAIL: self = .bootFail
        case JOB_DEADLINE: self = .deadline
        case JOB_OOM: self = .outOfMemory
        default: self = .unknown
        }
    }
}
