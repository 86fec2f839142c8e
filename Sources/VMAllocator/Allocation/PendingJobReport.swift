import Foundation

/// While salloc waits for Slurm, says why: salloc only prints that the job is queued. The job is found as the
/// user's pcocc-docker job submitted since `since`; reporting stops once it runs or is gone.
public struct PendingJobReport: Sendable {
    public let scheduler: any Scheduler
    public let userID: uid_t
    public let since: Date

    public init(scheduler: any Scheduler, userID: uid_t = getuid(), since: Date = Date()) {
        self.scheduler = scheduler
        self.userID = userID
        self.since = since
    }

    /// Calls `report` with "Waiting for job N to start (Reason)" at each change, until the job leaves the queue or
    /// the task is cancelled.
    public func run(interval: Duration = .seconds(1), report: @Sendable (String) -> Void) async {
        var last = ""
        var seenJob = false
        while !Task.isCancelled {
            try? await Task.sleep(for: interval)
            guard let jobs = try? await scheduler.jobs(ofUser: userID) else { continue }
            let ours = jobs.filter {
                $0.comment == SlurmCommandLine.jobComment
                    && ($0.submitTime ?? .distantPast) >= since.addingTimeInterval(-1)
            }.max { ($0.submitTime ?? .distantPast) < ($1.submitTime ?? .distantPast) }
            guard let job = ours else {
                if seenJob { return }
                continue
            }
            seenJob = true
            guard job.state == .pending else { return }
            let message = "Waiting for job \(job.id) to start (\(job.stateReason ?? "queued"))"
            if message != last { report(message) }
            last = message
        }
    }
}
