import Foundation

/// A user as the password database knows them, with the fallbacks batch environments need.
public struct UserAccount: Sendable, Equatable {
    public let uid: uid_t
    public let gid: gid_t
    public let name: String
    /// $HOME when set (as Python's expanduser and the shells do), else the password entry's directory.
    public let home: String

    /// The user running this process. Without a password entry (a container, a remote-only user) the name is
    /// $USER or the uid, and the home $HOME or "/".
    public static func current(environment: [String: String] = ProcessInfo.processInfo.environment) -> UserAccount {
        let entry = PasswordEntry(uid: getuid())
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? entry?.home ?? "/"
        let name = entry?.name ?? environment["USER"].flatMap { $0.isEmpty ? nil : $0 } ?? String(getuid())
        return UserAccount(uid: getuid(), gid: getgid(), name: name, home: home)
    }

    /// "bob", or "uid 1234" when the account is not known here.
    public static func name(of uid: uid_t) -> String {
        PasswordEntry(uid: uid)?.name ?? "uid \(uid)"
    }

    /// The home directory of user `name` from the password database (for `~name`).
    public static func home(ofUserNamed name: String) -> String? {
        PasswordEntry(name: name)?.home
    }
}

/// One password database record, read with the reentrant calls.
private struct PasswordEntry {
    let name: String
    let home: String

    init?(uid: uid_t) {
        guard
            let entry = Self.lookup({ record, buffer, result, size in getpwuid_r(uid, &record, buffer, size, &result) })
        else {
            return nil
        }
        self = entry
    }

    init?(name: String) {
        guard
            let entry = Self.lookup({ record, buffer, result, size in getpwnam_r(name, &record, buffer, size, &result) }
            )
        else {
            return nil
        }
        self = entry
    }

    private init(name: String, home: String) {
        self.name = name
        self.home = home
    }

    private static func lookup(
        _ call: (inout passwd, UnsafeMutablePointer<CChar>, inout UnsafeMutablePointer<passwd>?, Int) -> Int32
    ) -> PasswordEntry? {
        var record = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 16384)
        let status = buffer.withUnsafeMutableBufferPointer { pointer -> Int32 in
            guard let base = pointer.baseAddress else { return ERANGE }
            return call(&record, base, &result, pointer.count)
        }
        guard status == 0, result != nil, let name = record.pw_name else { return nil }
        return PasswordEntry(name: String(cString: name), home: record.pw_dir.map { String(cString: $0) } ?? "/")
    }
}
