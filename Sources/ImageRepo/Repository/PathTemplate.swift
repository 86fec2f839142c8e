#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// pcocc's `Config.resolve_path`: `%{homedir}`, `%{user}`, `%{env:VAR}` (and the unbraced `%homedir`
/// form) are substituted like Python's `Template.safe_substitute` with `%` as delimiter (unknown
/// names are left as written, `%%` is a literal `%`), then a leading `~` is expanded.
struct PathTemplate: Sendable {
    let values: [String: String]
    let home: String

    init(environment: [String: String]) {
        let account = getpwuid(getuid())
        // Python's expanduser("~") prefers $HOME over the password database.
        let home =
            environment["HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? account.map { String(cString: $0.pointee.pw_dir) } ?? "/"
        // As Python's expanduser: the home's trailing slashes are dropped ("/" stays "/").
        var trimmed = Substring(home)
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        var values = ["homedir": String(trimmed)]
        values["user"] = account.map { String(cString: $0.pointee.pw_name) } ?? environment["USER"]
        for (key, value) in environment { values["env:\(key)"] = value }
        self.values = values
        self.home = String(trimmed)
    }

    func resolve(_ path: String) -> String {
        expandUser(substitute(path))
    }

    private func substitute(_ text: String) -> String {
        let characters = Array(text)
        var output = ""
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
            } else if next == "{", let close = characters[(index + 2)...].firstIndex(of: "}") {
                let key = String(characters[(index + 2)..<close])
                output += values[key] ?? String(characters[index...close])
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
                output += values[key] ?? String(characters[index..<end])
                index = end
            } else {
                output.append("%")
                index += 1
            }
        }
        return output
    }

    private func expandUser(_ path: String) -> String {
        guard path.hasPrefix("~") else { return path }
        let slash = path.firstIndex(of: "/") ?? path.endIndex
        let user = path[path.index(after: path.startIndex)..<slash]
        let userHome: String
        if user.isEmpty {
            userHome = home
        } else if let account = getpwnam(String(user)) {
            userHome = String(cString: account.pointee.pw_dir)
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
