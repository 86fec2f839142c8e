#if canImport(Glibc)
    import Glibc
#endif

/// pcocc's `Config.resolve_path`: `%{homedir}`, `%{user}`, `%{env:VAR}` (and the unbraced `%homedir` form) are
/// substituted like Python's `Template.safe_substitute` with `%` as delimiter (unknown names are left as written,
/// `%%` is a literal `%`), then a leading `~` is expanded. pcocc's own files (repos.yaml, containers.yaml) and
/// pcocc-docker's settings file use the same placeholders with the same meaning.
public struct PathTemplate: Sendable {
    let values: [String: String]
    let home: String

    public init(environment: [String: String]) {
        let account = UserAccount.current(environment: environment)
        // As Python's expanduser: the home's trailing slashes are dropped ("/" stays "/").
        var trimmed = Substring(account.home)
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        var values = ["homedir": String(trimmed), "user": account.name]
        for (key, value) in environment { values["env:\(key)"] = value }
        self.values = values
        self.home = String(trimmed)
    }

    /// `text` with its placeholders substituted, as pcocc does.
    public func resolve(_ text: String) -> String {
        expandUser(substitute(text).output)
    }

    /// The first placeholder pcocc would leave as written (an unknown name, an unset variable, an unterminated
    /// `%{`), described for an error message; nil when every placeholder resolves.
    public func unresolved(_ text: String) -> String? {
        substitute(text).unresolved.first
    }

    private func substitute(_ text: String) -> (output: String, unresolved: [String]) {
        let characters = Array(text)
        var output = ""
        var unresolved: [String] = []
        var index = 0
        while index < characters.count {
            guard characters[index] == "%", index + 1 < characters.count else {
                output.append(characters[index])
                index += 1
                continue
            }
            let next = characters[index + 1]
            if next == "%" {
                output.append("%")
                index += 2
            } else if next == "{" {
                guard let close = characters[(index + 2)...].firstIndex(of: "}") else {
                    unresolved.append("unterminated placeholder in \"\(text)\"")
                    output += String(characters[index...])
                    break
                }
                let key = String(characters[(index + 2)..<close])
                if let value = values[key] {
                    output += value
                } else {
                    unresolved.append(describe(key))
                    output += String(characters[index...close])
                }
                index = close + 1
            } else if next == "_" || next.isASCII && next.isLetter {
                var end = index + 1
                while end < characters.count,
                    characters[end] == "_"
                        || characters[end].isASCII && (characters[end].isLetter || characters[end].isNumber)
                {
                    end += 1
                }
                let key = String(characters[(index + 1)..<end])
                if let value = values[key] {
                    output += value
                } else {
                    unresolved.append(describe(key))
                    output += String(characters[index..<end])
                }
                index = end
            } else {
                output.append("%")
                index += 1
            }
        }
        return (output, unresolved)
    }

    private func describe(_ key: String) -> String {
        if key.hasPrefix("env:") {
            let name = key.dropFirst(4)
            return "%{\(key)}: environment variable \(name) is not set"
        }
        return "unknown placeholder %{\(key)} (known: %{homedir}, %{user}, %{env:VAR})"
    }

    private func expandUser(_ path: String) -> String {
        guard path.hasPrefix("~") else { return path }
        let slash = path.firstIndex(of: "/") ?? path.endIndex
        let user = path[path.index(after: path.startIndex)..<slash]
        let userHome: String
        if user.isEmpty {
            userHome = home
        } else if let other = UserAccount.home(ofUserNamed: String(user)) {
            userHome = other
        } else {
            return path
        }
        // As Python: the home's trailing slashes are dropped, and an empty result means "/".
        var trimmed = Substring(userHome)
        while trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        let expanded = String(trimmed) + path[slash...]
        return expanded.isEmpty ? "/" : String(expanded)
    }
}
