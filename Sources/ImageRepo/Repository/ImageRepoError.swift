#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The one error type of ImageRepo: a code to branch on, a message that names the image, object or
/// repository, and the underlying cause when there is one.
public struct ImageRepoError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// An image name or repository name that pcocc would refuse.
        case badName
        /// `NAME@REVISION` whose revision is not an integer.
        case badRevision
        /// A `REPO:` prefix naming no configured repository.
        case unknownRepository
        /// No such image (or revision) in the repositories searched.
        case notFound
        /// The destination name is taken and `force` was not given.
        case alreadyExists
        /// repos.yaml is unreadable or breaks pcocc's schema.
        case badConfiguration
        /// A repository directory that is not a version 2 pcocc repository.
        case badRepository
        /// A meta file that pcocc's schema would reject.
        case badMetadata
        /// An OCI layout that cannot be stored or rebuilt.
        case badLayout
        /// A blob or data object whose content does not hash to its name.
        case digestMismatch
        /// A data object referenced by a meta file is missing.
        case missingObject
        /// A hash algorithm other than sha256.
        case unsupported
        /// A file system call failed.
        case io
    }

    public let code: Code
    public let message: String
    public let underlying: (any Error & Sendable)?

    public init(_ code: Code, _ message: String, underlying: (any Error & Sendable)? = nil) {
        self.code = code
        self.message = message
        self.underlying = underlying
    }

    public var description: String {
        guard let underlying else { return message }
        return "\(message): \(underlying)"
    }
}

/// A failed system call, kept as the cause of an `ImageRepoError` so callers can test `errno`.
public struct ImageRepoSystemError: Error, Sendable, CustomStringConvertible {
    public let errno: Int32

    public init(errno: Int32) { self.errno = errno }

    public var description: String { String(cString: strerror(errno)) }
}

/// A cause known only by its text (a YAML parser message, a Foundation error), kept Sendable.
public struct ImageRepoCause: Error, Sendable, CustomStringConvertible {
    public let description: String

    public init(_ description: String) { self.description = description }
}
