import Foundation
import HostSystem

/// Why the VM step is ending without an error.
public enum StopReason: Sendable, Equatable, CustomStringConvertible {
    case signal(Int32)
    case parentExited
    /// Slurm ended the job (its state given) without the step being told: a node failure.
    case jobEnded(String)

    public var description: String {
        switch self {
        case .signal(let number): return "signal \(number)"
        case .parentExited: return "parent process exited"
        case .jobEnded(let state): return "the job ended (\(state))"
        }
    }
}

/// Notices when the VM step is asked to end: SIGTERM/SIGINT/SIGHUP (Slurm, scancel, the launcher), or the death of
/// the process that started it (slurmstepd), which the kernel turns into SIGTERM.
final class LifetimeMonitor: Sendable {
    private let signals = SignalWatch()
    private let orphaned: Bool

    init() {
        orphaned = !SignalWatch.signalOnParentDeath(SIGTERM)
    }

    /// Set once a stop was asked for; the first reason wins.
    var stopReason: StopReason? {
        if orphaned { return .parentExited }
        return signals.received.map(StopReason.signal)
    }

    /// Waits until a stop is asked for; nil when the waiting task is cancelled first.
    func nextStop() async -> StopReason? {
        if orphaned { return .parentExited }
        return await signals.next().map(StopReason.signal)
    }

    /// Stops observing; the signals stay ignored so that the clean-up that follows is not cut short.
    func cancel() {
        signals.stop()
    }
}
