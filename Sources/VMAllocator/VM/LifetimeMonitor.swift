internal import CLibvirt
import Dispatch
import Foundation
import Synchronization

/// Why the VM step is ending without an error.
public enum StopReason: Sendable, Equatable, CustomStringConvertible {
    case signal(Int32)
    case parentExited

    public var description: String {
        switch self {
        case .signal(let number): return "signal \(number)"
        case .parentExited: return "parent process exited"
        }
    }
}

/// Notices when the VM step is asked to end: SIGTERM/SIGINT/SIGHUP (Slurm, scancel, the
/// launcher), or the death of the process that started it.
///
/// The signals are ignored first so their default action cannot kill us before the VM is
/// destroyed, then observed through dispatch sources. The parent's death arrives as SIGTERM
/// via PR_SET_PDEATHSIG; polling getppid() also covers a parent that died before that was set.
// Dispatch sources are not Sendable; they are only created in init and cancelled (a
// thread-safe call) in cancel().
final class LifetimeMonitor: @unchecked Sendable {
    static let signals: [Int32] = [SIGTERM, SIGINT, SIGHUP]

    private let reason: StopFlag
    private let parent: pid_t
    private let sources: [any DispatchSourceSignal]

    init() {
        parent = getppid()
        let reason = StopFlag()
        let queue = DispatchQueue(label: "pcocc-docker.signals")
        sources = Self.signals.map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { reason.record(.signal(number)) }
            source.resume()
            return source
        }
        self.reason = reason
        _ = pcocc_set_parent_death_signal(SIGTERM)
    }

    /// Set once a stop was asked for; the first reason wins.
    var stopReason: StopReason? {
        if getppid() != parent { reason.record(.parentExited) }
        return reason.value
    }

    /// Stops observing; the signals stay ignored until the process exits, as the
    /// clean-up that follows must not be cut short either.
    func cancel() {
        for source in sources { source.cancel() }
    }
}

/// The first stop reason recorded, shared with the signal handlers.
private final class StopFlag: Sendable {
    private let reason = Mutex<StopReason?>(nil)

    var value: StopReason? { reason.withLock { $0 } }

    func record(_ new: StopReason) {
        reason.withLock { if $0 == nil { $0 = new } }
    }
}
