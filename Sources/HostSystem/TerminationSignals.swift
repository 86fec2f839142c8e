/// Turns SIGTERM, SIGINT and SIGHUP into the cancellation of one task, so that every clean-up path (`defer`, child
/// teardown) runs exactly as it does for an error.
public final class TerminationSignals: Sendable {
    private let watch: SignalWatch

    /// `signals`: others than the termination ones only for tests (libdispatch does not watch again a signal whose
    /// source was cancelled, and one process runs many tests).
    public init(_ signals: [Int32] = SignalWatch.terminationSignals) {
        watch = SignalWatch(signals)
    }

    /// The signal that arrived, if any.
    public var receivedSignal: Int32? { watch.received }

    /// Runs `operation`; a termination signal cancels it. Returns its value, or throws `CancellationError`.
    public func run<T: Sendable>(_ operation: @escaping @Sendable () async throws -> T) async throws -> T {
        let task = Task { try await operation() }
        watch.onSignal { _ in task.cancel() }
        defer { watch.stop() }
        return try await task.value
    }

    /// Runs `operation` like `run`; when it fails because of a signal, throws `interrupted(signal)` instead of
    /// its error (a child killed by our teardown, "exited with status 143", is not news). A signal arriving within
    /// `grace` of the failure counts too: the terminal's Ctrl-C also reaches the children in our process group, and
    /// one may fail before our own handler has run.
    public func run<T: Sendable>(
        grace: Duration = .milliseconds(300), interrupted: @escaping @Sendable (Int32) -> Error,
        _ operation: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        let task = Task { try await operation() }
        watch.onSignal { _ in task.cancel() }
        defer { watch.stop() }
        do {
            return try await task.value
        } catch {
            if let signal = await signal(within: grace) { throw interrupted(signal) }
            throw error
        }
    }

    /// The signal received, or the first one within `grace`.
    private func signal(within grace: Duration) async -> Int32? {
        if let received = watch.received { return received }
        let watch = self.watch
        return await withTaskGroup(of: Int32?.self) { group in
            group.addTask { await watch.next() }
            group.addTask {
                try? await Task.sleep(for: grace)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }
}
