/// The shells `pcocc-docker env` can print for (`--shell`), as docker-machine and colima users expect.
public enum ShellKind: String, Sendable, CaseIterable {
    case bash, zsh, sh, fish, tcsh, csh, powershell

    /// The shell named by a path such as $SHELL (`/usr/bin/fish` -> fish); sh for unknown ones.
    public static func detect(fromPath path: String?) -> ShellKind {
        guard let path, let name = path.split(separator: "/").last else { return .sh }
        switch name {
        case "pwsh", "powershell": return .powershell
        case "ksh", "mksh", "dash", "ash": return .sh
        default: return ShellKind(rawValue: String(name)) ?? .sh
        }
    }

    /// How to load `command`'s output in this shell, for the usage hint.
    public func loadHint(_ command: String) -> String {
        switch self {
        case .bash, .zsh, .sh: return "eval \"$(\(command))\""
        case .fish: return "\(command) | source"
        case .tcsh, .csh: return "eval \"`\(command)`\""
        case .powershell: return "& \(command) | Invoke-Expression"
        }
    }
}

/// Prints variable assignments (or removals) in a given shell's syntax, exact for any value the shell can hold:
/// spaces, quotes, `$`, backticks, backslashes and non-ASCII come back unchanged after `eval`.
public struct ShellExports: Sendable {
    public let shell: ShellKind

    public init(shell: ShellKind) { self.shell = shell }

    /// A value this shell cannot hold through eval.
    public struct UnrepresentableValue: Error, CustomStringConvertible {
        public let name: String
        public let shell: ShellKind
        public var description: String {
            "the value of \(name) contains a line break, which \(shell.rawValue) cannot hold: use another --shell or --json"
        }
    }

    /// The assignments, one per line, in the order given. The usage hint is a comment on the last line (`eval` of
    /// the joined lines comments out nothing else), except for csh and tcsh, where `#` is no comment in interactive
    /// use: there `hint(for:)` goes to standard error.
    public func set(_ variables: [(String, String)], hint: String?) throws(UnrepresentableValue) -> String {
        var lines: [String] = []
        for (name, value) in variables { lines.append(try assignment(name, value)) }
        if let hint, !isCsh { lines.append("# \(hint)") }
        return lines.joined(separator: "\n") + "\n"
    }

    public func unset(_ names: [String], hint: String?) -> String {
        var lines = names.map(removal)
        if let hint, !isCsh { lines.append("# \(hint)") }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Whether the hint must go to standard error instead of standard output.
    public var hintOnStandardError: Bool { isCsh }

    private var isCsh: Bool { shell == .tcsh || shell == .csh }

    func assignment(_ name: String, _ value: String) throws(UnrepresentableValue) -> String {
        switch shell {
        case .bash, .zsh, .sh: return "export \(name)=\(Self.singleQuoted(value));"
        case .fish: return "set -gx \(name) \(Self.fishQuoted(value));"
        case .tcsh, .csh:
            guard !value.contains(where: \.isNewline) else { throw UnrepresentableValue(name: name, shell: shell) }
            return "setenv \(name) \(Self.cshQuoted(value));"
        // Single quotes: PowerShell expands nothing inside them; a quote is written twice.
        case .powershell: return "$Env:\(name) = '\(value.replacingOccurrences(of: "'", with: "''"))'"
        }
    }

    func removal(_ name: String) -> String {
        switch shell {
        case .bash, .zsh, .sh: return "unset \(name);"
        case .fish: return "set -e \(name);"
        case .tcsh, .csh: return "unsetenv \(name);"
        case .powershell: return "Remove-Item Env:\\\(name)"
        }
    }

    /// POSIX single quoting: the only character needing care inside is the quote itself.
    static func singleQuoted(_ value: String) -> String {
        "'" + value.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// fish reads `\\` and `\'` as escapes even inside single quotes.
    static func fishQuoted(_ value: String) -> String {
        "'" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'") + "'"
    }

    /// csh: single quotes keep everything but `'` and history's `!`, which go outside them escaped.
    static func cshQuoted(_ value: String) -> String {
        "'" + value.replacingOccurrences(of: "'", with: "'\\''").replacingOccurrences(of: "!", with: "'\\!'") + "'"
    }
}
