internal import CHostSystem
import Dispatch
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Observes termination signals without letting their default action kill the process before it cleans up:
/// the signals are ignored, then delivered through dispatch sources. The first one is remembered; `next()` waits
/// for one. Once the watch is stopped the signals stay ignored: the clean-up that follows must not be cut short.
public final class SignalWatch: Sendable {
    public static let terminationSignals: [Int32] = [SIGTERM, SIGINT, SIGHUP]

    private let state: SharedState
    // Dispatch sources are not Sendable; they are only created in init and cancelled (thread-safe) in stop().
    nonisolated(unsafe) private let sources: [any DispatchSourceSignal]

    private struct State {
        var first: Int32?
        var waiters: [Int: CheckedContinuation<Int32?, Never>] = [:]
        var nextWaiter = 0
        var handlers: [@Sendable (Int32) -> Void] = []
    }

    /// The state shared with the signal handlers.
    private final class SharedState: Sendable {
        let mutex = Mutex<State>(State())

        func withLock<R>(_ body: (inout State) -> R) -> R { mutex.withLock { body(&$0) } }
    }

    public init(_ signals: [Int32] = SignalWatch.terminationSignals) {
        let queue = DispatchQueue(label: "pcocc-docker.signals")
        let state = SharedState()
        self.state = state
        // A source is armed asynchronously, and the signal is ignored meanwhile: wait until each is registered, or a
        // signal sent right after init (a test's, an early Ctrl-C) is lost.
        let registered = DispatchGroup()
        sources = signals.map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler {
                let (waiters, handlers) = state.withLock { state in
                    if state.first == nil { state.first = number }
                    defer { state.waiters = [:] }
                    return (Array(state.waiters.values), state.handlers)
                }
                for waiter in waiters { waiter.resume(returning: number) }
                for handler in handlers { handler(number) }
            }
            registered.enter()
            source.setRegistrationHandler { registered.leave() }
            source.resume()
            return source
        }
        _ = registered.wait(timeout: .now() + 5)
    }

    /// The first signal received, if any.
    public var received: Int32? { state.withLock { $0.first } }

    /// Calls `handler` for every signal from now on (at once if one was already received).
    public func onSignal(_ handler: @escaping @Sendable (Int32) -> Void) {
        let already = state.withLock { state in
            state.handlers.append(handler)
            return state.first
        }
        if let already { handler(already) }
    }

    /// Waits for a signal (returns at once if one was already received); nil when the waiting task is cancelled.
    public func next() async -> Int32? {
        let state = self.state
        let ticket = state.withLock { state -> Int in
            defer { state.nextWaiter += 1 }
            return state.nextWaiter
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Int32?, Never>) in
                let already = state.withLock { state -> Int32?? in
                    if let first = state.first { return .some(first) }
                    if Task.isCancelled { return .some(nil) }
                    state.waiters[ticket] = continuation
                    return nil
                }
                if let already { continuation.resume(returning: already) }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: ticket) }
            waiter?.resume(returning: nil)
        }
    }

    /// Stops observing; the signals stay ignored.
    public func stop() {
        for source in sources { source.cancel() }
    }

    /// Asks the kernel to send `signal` when our parent (e.g. slurmstepd for a job step) dies. Returns false when the
    /// parent is already gone (reparented before the request took effect), which the caller must treat the same way.
    public static func signalOnParentDeath(_ signal: Int32, parent: pid_t = getppid()) -> Bool {
        _ = pcocc_set_parent_death_signal(signal)
        return getppid() == parent
    }
}
