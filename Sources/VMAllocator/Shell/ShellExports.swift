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
}

/// Prints variable assignments (or removals) in a given shell's syntax, for `eval $(pcocc-docker env)`.
public struct ShellExports: Sendable {
    public let shell: ShellKind

    public init(shell: ShellKind) { self.shell = shell }

    /// One line per variable, in the order given; the usage hint comes last so that `eval $(...)`,
    /// which joins the lines, does not comment out the assignments.
    public func set(_ variables: [(String, String)], hint: String?) -> String {
        var lines = variables.map { name, value in assignment(name, value) }
        if let hint { lines.append(comment(hint)) }
        return lines.joined(separator: "\n") + "\n"
    }

    public func unset(_ names: [String], hint: String?) -> String {
        var lines = names.map(removal)
        if let hint { lines.append(comment(hint)) }
        return lines.joined(separator: "\n") + "\n"
    }

    func assignment(_ name: String, _ value: String) -> String {
        switch shell {
        case .bash, .zsh, .sh: return "export \(name)=\(Self.singleQuoted(value));"
        case .fish: return "set -gx \(name) \(Self.singleQuoted(value));"
        case .tcsh, .csh: return "setenv \(name) \(Self.singleQuoted(value));"
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

    func comment(_ text: String) -> String { "# \(text)" }

    /// POSIX single quoting: the only character needing care inside is the quote itself.
    static func singleQuoted(_ value: String) -> String {
        "'" + value.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
