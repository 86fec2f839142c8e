import Foundation

/// The batch scheduler as the launcher and the job-selection logic see it.
///
/// `SlurmScheduler` talks to slurmctld through libslurm; tests use a fake.
public protocol Scheduler: Sendable {
    /// The job with this id, or nil when slurmctld does not know it. slurmctld forgets finished
    /// jobs after MinJobAge (300 s by default), so nil means "unknown or finished a while ago";
    /// callers that need an error say so with `ownedJob(_:by:)`.
    func job(_ id: String) async throws(JobError) -> JobInfo?

    /// The jobs of user `uid` that slurmctld still knows, active or recently finished.
    func jobs(ofUser uid: uid_t) async throws(JobError) -> [JobInfo]

    /// Cancels job `id` like scancel (nil signal: SIGTERM, then SIGKILL after KillWait), or sends
    /// `signal` to all its steps and its batch script without ending it. Cancelling a job that
    /// already ended succeeds; an unknown job throws `.jobNotFound`.
    func cancel(_ id: String, signal: Int32?) async throws(JobError)

    /// Sends `signal` to the tasks of step `step` of job `id` without ending the step itself, so the
    /// tasks can clean up and exit (srun, told to stop, would have Slurm SIGKILL them instead).
    func signalStep(_ id: String, step: UInt32, signal: Int32) async throws(JobError)

    /// How to reach node `nodeName`: its NodeHostname and NodeAddr from slurm.conf.
    func nodeAddress(_ nodeName: String) async throws(JobError) -> (hostname: String, address: String)
}

extension Scheduler {
    /// The job `id`, which must exist and belong to `uid`: what `-j JOBID` needs.
    public func ownedJob(_ id: String, by uid: uid_t) async throws(JobError) -> JobInfo {
        guard let job = try await job(id) else { throw .jobNotFound(id) }
        guard job.userID == uid else { throw .notOwner(jobID: job.id, owner: job.userID) }
        return job
    }

    public func cancel(_ id: String) async throws(JobError) {
        try await cancel(id, signal: nil)
    }
}

/// Job ids as users write them; array and het-job ids ("12_3", "12+1") are not used by pcocc-docker.
enum JobID {
    static func parse(_ id: String) throws(JobError) -> UInt32 {
        let trimmed = id.trimmingCharacters(in: .whitespaces)
        // 0 and the top values are Slurm's "none"/"all" markers (NO_VAL, INFINITE).
        guard let number = UInt32(trimmed), number > 0, number < SlurmValues.noValue else { throw .invalidJobID(id) }
        return number
    }
}
