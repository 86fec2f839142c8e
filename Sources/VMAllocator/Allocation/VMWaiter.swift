import Foundation

/// Waits for an existing job's VM to answer, telling the user why while Slurm still queues the job.
public struct VMWaiter: Sendable {
    public let scheduler: any Scheduler
    public let jobID: String
    public let directory: JobDirectory
    public let timeoutSeconds: Int
    /// How long a pending job may wait for Slurm; 0 waits as long as it is queued.
    public let jobStartSeconds: Int

    public init(
        scheduler: any Scheduler, jobID: String, directory: JobDirectory, timeoutSeconds: Int, jobStartSeconds: Int = 0
    ) {
        self.scheduler = scheduler
        self.jobID = jobID
        self.directory = directory
        self.timeoutSeconds = timeoutSeconds
        self.jobStartSeconds = jobStartSeconds
    }

    /// The endpoint once dockerd answers; `report` hears what is waited for (Slurm's reason while the job is
    /// queued, the VM step's stage once it runs) every half second.
    public func wait(report: @Sendable (String) -> Void) async throws -> EndpointRecord {
        var runningSince: ContinuousClock.Instant?
        let started = ContinuousClock.now
        while true {
            if let endpoint = try await directory.answeringEndpoint() { return endpoint }
            guard let job = try await scheduler.job(jobID), job.isActive else {
                throw JobError.jobFinished(jobID: jobID)
            }
            let message: String
            if job.state == .pending {
                message = "Waiting for job \(jobID) to start (\(job.stateReason ?? "queued"))"
                runningSince = nil
                if jobStartSeconds > 0 && ContinuousClock.now - started > .seconds(jobStartSeconds) {
                    throw JobError.jobStartTimeout(
                        jobID: jobID, seconds: jobStartSeconds, reason: job.stateReason ?? "queued")
                }
            } else {
                message =
                    "Waiting for docker VM to start (\(VMStage.read(from: directory)?.rawValue ?? "starting the VM step"))"
                let since = runningSince ?? ContinuousClock.now
                runningSince = since
                if ContinuousClock.now - since > .seconds(timeoutSeconds) {
                    throw JobError.vmNotReady(jobID: jobID, seconds: timeoutSeconds, log: directory.consoleLog)
                }
            }
            report(message)
            try await Task.sleep(for: .milliseconds(500))
        }
    }
}
