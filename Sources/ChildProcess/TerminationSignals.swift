import Dispatch
import Foundation

/// Turns SIGTERM, SIGINT and SIGHUP into the cancellation of one task, so that every cleanup
/// path (`defer`, child teardown) runs exactly as it does for an error.
public final class TerminationSignals: @unchecked Sendable {
    private var sources: [DispatchSourceSignal] = []
    private let lock = NSLock()
    private var received: Int32?

    public init() {}

    /// The signal that arrived, if any.
    public var receivedSignal: Int32? { lock.withLock { received } }

    /// Runs `operation`; a termination signal cancels it. Returns its value, or throws `CancellationError`.
    public func run<T: Sendable>(_ operation: @escaping @Sendable () async throws -> T) async throws -> T {
        let task = Task { try await operation() }
        for number in [SIGTERM, SIGINT, SIGHUP] {
            // The default action would kill us before cleanup: ignore it and handle it on a queue.
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [weak self] in
                self?.lock.withLock { if self?.received == nil { self?.received = number } }
                task.cancel()
            }
            source.resume()
            sources.append(source)
        }
        defer { for source in sources { source.cancel() } }
        return try await task.value
    }
}
