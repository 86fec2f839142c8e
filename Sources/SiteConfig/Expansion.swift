#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// pcocc's placeholders in string values: `%{homedir}` and `%{env:VAR}`.
struct Expansion {
    let environment: [String: String]

    /// The user's home: $HOME, else the password database (batch environments may lack HOME).
    func homeDirectory() -> String? {
        if let home = environment["HOME"], !home.isEmpty { return home }
        guard let entry = getpwuid(getuid()), let directory = entry.pointee.pw_dir else { return nil }
        return String(cString: directory)
    }

    /// `text` with every placeholder replaced; the error message says which placeholder failed.
    func expand(_ text: String) throws(ExpansionFailure) -> String {
        var result = ""
        var rest = Substring(text)
        while let start = rest.range(of: "%{") {
            result += rest[..<start.lowerBound]
            guard let end = rest[start.upperBound...].firstIndex(of: "}") else {
                throw ExpansionFailure(message: "unterminated placeholder in \"\(text)\"")
            }
            result += try value(of: String(rest[start.upperBound..<end]))
            rest = rest[rest.index(after: end)...]
        }
        return result + rest
    }

    private func value(of placeholder: String) throws(ExpansionFailure) -> String {
        if placeholder == "homedir" {
            guard let home = homeDirectory() else {
                throw ExpansionFailure(message: "%{homedir}: HOME is not set and the user has no password entry")
            }
            return home
        }
        if placeholder.hasPrefix("env:") {
            let name = String(placeholder.dropFirst("env:".count))
            guard let value = environment[name] else {
                throw ExpansionFailure(message: "%{env:\(name)}: environment variable \(name) is not set")
            }
            return value
        }
        throw ExpansionFailure(message: "unknown placeholder %{\(placeholder)} (known: %{homedir}, %{env:VAR})")
    }
}

struct ExpansionFailure: Error {
    let message: String
}
