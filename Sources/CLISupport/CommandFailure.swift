#if canImport(Glibc)
    import Glibc
#endif

/// A run-time failure of a command: one line, no usage text (ValidationError is for bad arguments).
public struct CommandFailure: Error, CustomStringConvertible {
    public let description: String
    /// The program's exit status: 1, or the shell's 128+N after signal N.
    public let exitStatus: Int32

    public init(_ description: String, exitStatus: Int32 = 1) {
        self.description = description
        self.exitStatus = exitStatus
    }

    /// Work stopped by termination signal `signal` (Ctrl-C: SIGINT): `what` says what was not done, e.g.
    /// "image 'x' not saved"; the exit status is the shell's for that signal (130, 143), as if it had killed us.
    public static func interrupted(by signal: Int32, _ what: String) -> CommandFailure {
        CommandFailure("interrupted by \(signalName(signal)): \(what)", exitStatus: 128 + signal)
    }

    static func signalName(_ signal: Int32) -> String {
        switch signal {
        case SIGINT: return "Ctrl-C (SIGINT)"
        case SIGTERM: return "SIGTERM"
        case SIGHUP: return "SIGHUP"
        default: return "signal \(signal)"
        }
    }
}
