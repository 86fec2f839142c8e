import SystemPackage

#if canImport(Glibc)
    import Glibc
#endif

/// The module's one error: a failed system call ("cannot <operation> <path>: <reason>") or a check of the system
/// that failed (a directory others may write), as one line naming the object.
///
/// `errno` keeps the cause of a failed call so that callers can branch on it (ENOENT, EEXIST, ENOSPC...) without
/// parsing text.
public struct SystemError: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String
    public let errno: Errno?

    /// A failed call: `operation` says what was being done ("write", "create directory"), `path` to what.
    public init(_ operation: String, _ path: String? = nil, errno: Errno = .current) {
        description = "cannot \(operation)\(path.map { " \($0)" } ?? ""): \(errno.reason)"
        self.errno = errno
    }

    /// A check that failed without a system call failing.
    public init(message: String) {
        description = message
        errno = nil
    }
}

extension Errno {
    /// errno as the last failed call on this thread left it: read it right after that call.
    public static var current: Errno { Errno(rawValue: Glibc.errno) }

    /// The C library's text for this error ("No such file or directory").
    public var reason: String { String(cString: strerror(rawValue)) }
}
