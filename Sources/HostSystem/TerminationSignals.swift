/// Turns SIGTERM, SIGINT and SIGHUP into the cancellation of one task, so that every clean-up path (`defer`, child
/// teardown) runs exactly as it does for an error.
public final class TerminationSignals: Sendable {
    private let watch = SignalWatch()

    public init() {}

    /// The signal that arrived, if any.
    public var receivedSignal: Int32? { watch.received }

    /// Runs `operation`; a termination signal cancels it. Returns its value, or throws `CancellationError`.
    public func run<T: Sendable>(_ operation: @escaping @Sendable () async throws -> T) async throws -> T {
        let task = Task { try await operation() }
        watch.onSignal { _ in task.cancel() }
        defer { watch.stop() }
        return try await task.value
    }
}
