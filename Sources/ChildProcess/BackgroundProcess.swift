import Foundation
import HostSystem
import Subprocess
import SystemPackage

/// A child that runs while the caller does other work (the VM's `srun` step, for one).
///
/// Only valid inside `ChildProcess.withBackground`'s closure; when the closure returns or throws,
/// the child is asked to stop (SIGTERM, then SIGKILL) and reaped before the call returns.
public struct BackgroundProcess: Sendable {
    public let pid: pid_t

    /// False once the child has exited (a zombie waiting to be reaped counts as exited).
    public var isRunning: Bool { ProcessStatus.isRunning(pid) }
}

extension ChildProcess {
    /// Runs `executable` in its own process group (so a terminal's Ctrl-C does not reach it directly)
    /// with its output appended to `logFile`, while `body` runs. Returns the body's value and the child's status.
    ///
    /// Cancelling the caller cancels only `body`, never the child directly: the body decides how the
    /// child ends (srun, for one, must not be signalled itself, or Slurm SIGKILLs its tasks). Once the
    /// body has returned or thrown, a child still running gets SIGTERM, then SIGKILL after `gracePeriod`.
    public static func withBackground<Result: Sendable>(
        _ executable: String,
        _ arguments: [String],
        environment: [String: String]? = nil,
        logFile: String,
        gracePeriod: Duration = .seconds(10),
        body: @escaping @Sendable (BackgroundProcess) async throws -> Result
    ) async throws -> (result: Result, status: Int32) {
        let command = ChildCommand(executable: executable, arguments: arguments)
        let fd = open(logFile, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw ChildProcessError.launchFailed(
                command: command, reason: SystemError("open", logFile).description)
        }
        var options = PlatformOptions()
        options.processGroupID = 0
        options.teardownSequence = [.gracefulShutDown(allowedDurationToNextStep: gracePeriod)]
        let log = FileDescriptor(rawValue: fd)
        let bodyTask = BodyTaskBox()
        // Detached: Subprocess tears its child down as soon as its own task is cancelled.
        let running = Task.detached { () async throws -> (Result, Int32) in
            let outcome: ExecutionResult<Result, FileDescriptorOutput, FileDescriptorOutput>
            do {
                outcome = try await Subprocess.run(
                    executableFor(executable),
                    arguments: Arguments(arguments),
                    environment: environmentFor(environment),
                    platformOptions: options,
                    input: .none,
                    output: .fileDescriptor(log, closeAfterSpawningProcess: false),
                    error: .fileDescriptor(log, closeAfterSpawningProcess: true)
                ) { execution in
                    let process = BackgroundProcess(pid: execution.processIdentifier.value)
                    let task = Task { try await body(process) }
                    bodyTask.set(task)
                    let value = try await task.value
                    await execution.teardown(using: [.gracefulShutDown(allowedDurationToNextStep: gracePeriod)])
                    return value
                }
            } catch let error as SubprocessError {
                // Errors of the body pass through as they are; this is the child failing to start.
                throw ChildProcessError.launchFailed(command: command, reason: "\(error)")
            }
            return (outcome.closureResult, exitCode(outcome.terminationStatus))
        }
        let (result, status) = try await withTaskCancellationHandler {
            try await running.value
        } onCancel: {
            bodyTask.cancel()
        }
        return (result, status)
    }
}

/// Hands the body's task to the cancellation handler, which may run before or after it exists.
private final class BodyTaskBox: @unchecked Sendable {
    private let lock = NSLock()
    private var cancelled = false
    private var cancelTask: (@Sendable () -> Void)?

    func set<T>(_ task: Task<T, any Error>) {
        let cancelNow = lock.withLock { () -> Bool in
            cancelTask = { task.cancel() }
            return cancelled
        }
        if cancelNow { task.cancel() }
    }

    func cancel() {
        let action = lock.withLock { () -> (@Sendable () -> Void)? in
            cancelled = true
            return cancelTask
        }
        action?()
    }
}
