import Foundation

/// Whether processes still run, read from /proc.
public enum ProcessStatus {
    /// False once `pid` has exited. A zombie counts as exited: PID 1 on some machines reaps slowly.
    public static func isRunning(_ pid: pid_t) -> Bool {
        guard pid > 0, let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return false }
        let state = stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).first
        return state != "Z" && state != "X"
    }
}
