import ChildProcess
import Foundation

/// A job step that runs while the launcher does other work.
public protocol RunningStep: Sendable {
    var isRunning: Bool { get }
}

/// Runs the VM step inside the job and ends it, so that the launcher's decisions are unit-tested with a fake and
/// run for real through srun.
public protocol JobStepRunner: Sendable {
    /// Runs `command` as a step of `jobID` on `node` (output appended to `log`) while `body` runs, and returns the
    /// body's result once the step is over or has been asked to stop.
    func withStep<T: Sendable>(
        _ command: [String], jobID: String, node: String, log: String,
        body: @escaping @Sendable (any RunningStep) async throws -> T
    ) async throws -> T

    /// Asks the step to end cleanly (its VM destroyed, its scratch removed) and waits for it, at most `timeout`.
    func stop(_ step: any RunningStep, jobID: String, timeout: Duration) async
}

extension BackgroundProcess: RunningStep {}

/// The real step: `srun --jobid=J ... -- pcocc-docker-node vm ...`, the job's first step (id 0).
public struct SrunStepRunner: JobStepRunner {
    public let scheduler: any Scheduler

    public init(scheduler: any Scheduler) {
        self.scheduler = scheduler
    }

    /// The VM step is the job's first step: the launcher starts it before anything else.
    static let vmStepID: UInt32 = 0

    public func withStep<T: Sendable>(
        _ command: [String], jobID: String, node: String, log: String,
        body: @escaping @Sendable (any RunningStep) async throws -> T
    ) async throws -> T {
        let arguments = SlurmCommandLine.srunVM(jobID: jobID, node: node, vmCommand: command)
        return try await ChildProcess.withBackground("srun", arguments, logFile: log) { step in try await body(step) }
            .result
    }

    /// SIGTERM to the step's task through slurmstepd, never to srun: srun told to stop would have Slurm SIGKILL the
    /// task and skip its clean-up. Runs detached so that it completes even while the caller is being cancelled.
    public func stop(_ step: any RunningStep, jobID: String, timeout: Duration) async {
        guard step.isRunning else { return }
        let scheduler = self.scheduler
        await Task.detached {
            try? await scheduler.signalStep(jobID, step: Self.vmStepID, signal: SIGTERM)
            let deadline = ContinuousClock.now + timeout
            while step.isRunning && ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(100)) }
        }.value
    }
}
