import Foundation

/// Progress of the VM step goes to stderr: srun copies it to the step log the launcher
/// shows on failure, and stdout stays free for results.
enum VMLog {
    static func write(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}

/// Durations of the start-up phases, printed on one line when asked (bench/vm-ready).
struct PhaseTimer {
    let enabled: Bool
    private var last = ContinuousClock.now
    private var phases: [(String, Duration)] = []

    init(enabled: Bool) {
        self.enabled = enabled
    }

    mutating func mark(_ phase: String) {
        let now = ContinuousClock.now
        phases.append((phase, now - last))
        last = now
    }

    func report() {
        guard enabled else { return }
        let text = phases.map { name, duration in
            let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
            return "\(name)=\(String(format: "%.3f", seconds))s"
        }
        VMLog.write("timings: " + text.joined(separator: " "))
    }
}
