import Foundation

/// A program and its arguments, shown in error messages.
public struct ChildCommand: Sendable, CustomStringConvertible {
    public let executable: String
    public let arguments: [String]

    public var description: String {
        ([executable] + arguments).map { $0.contains(" ") || $0.isEmpty ? "'\($0)'" : $0 }.joined(separator: " ")
    }
}

/// What a finished child left: its exit status, standard output, and the tail of standard error.
public struct ProcessResult: Sendable {
    public let command: ChildCommand
    /// Exit code, or 128+N when killed by signal N.
    public let status: Int32
    public let output: Data
    public let errorTail: String

    public var outputString: String { String(decoding: output, as: UTF8.self) }
}

public enum ChildProcessError: Error, Sendable, CustomStringConvertible {
    case launchFailed(command: ChildCommand, reason: String)
    case failed(command: ChildCommand, status: Int32, errorTail: String)

    public var description: String {
        switch self {
        case .launchFailed(let command, let reason):
            return "could not start '\(command.executable)': \(reason)"
        case .failed(let command, let status, let errorTail):
            let tail = errorTail.split(separator: "\n").suffix(3).joined(separator: " / ")
            return "'\(command)' exited with status \(status)" + (tail.isEmpty ? "" : ": \(tail)")
        }
    }

    /// The last lines the child printed on standard error.
    public var errorTail: String {
        if case .failed(_, _, let tail) = self { return tail }
        return ""
    }
}
