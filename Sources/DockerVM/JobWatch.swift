import VMAllocator

/// Notices that the VM's job has ended although nobody stopped the VM step: after a node failure slurmd is gone,
/// so nothing signals the step, while slurmctld ends the job (NODE_FAIL) once the node stops answering. The VM must
/// not outlive its job, so the step asks slurmctld about the job now and then.
struct JobWatch: Sendable {
    let scheduler: any Scheduler
    let jobID: String
    let interval: Duration

    static let defaultInterval = Duration.seconds(10)

    init(scheduler: any Scheduler, jobID: String, interval: Duration = defaultInterval) {
        self.scheduler = scheduler
        self.jobID = jobID
        self.interval = interval
    }

    /// Returns the job's state once it is no longer running (completing counts: the job is over); waits as long as
    /// it runs, or as long as slurmctld cannot be reached (an unreachable controller is no reason to stop a VM).
    /// Nil when the waiting task is cancelled.
    func waitForEnd() async -> String? {
        while !Task.isCancelled {
            try? await Task.sleep(for: interval)
            guard !Task.isCancelled else { return nil }
            do throws(JobError) {
                guard let job = try await scheduler.job(jobID) else { return "gone" }
                if !job.isActive || job.state == .completing { return job.state.rawValue }
            } catch  where error.code == .jobNotFound {
                return "gone"
            } catch {
                continue
            }
        }
        return nil
    }
}
