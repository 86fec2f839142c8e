import Foundation
import HostSystem
import SystemPackage

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The one error type of ImageRepo (the repository, the layout, the conversion and the cache entry): a code to
/// branch on, a message that names the image, object, layer or repository, and the underlying cause when there is one.
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
        /// An OCI layout (index.json, manifest, config, blobs) that is missing, unreadable or malformed.
        case badLayout
        /// A blob or data object whose content does not hash to its name.
        case digestMismatch
        /// A data object referenced by a meta file is missing.
        case missingObject
        /// A hash algorithm other than sha256.
        case unsupported
        /// A file system call failed.
        case io
        /// The repository lock stayed held by another writer longer than the timeout.
        case lockTimeout
        /// A layer uses a media type or a tar feature that the flattener does not handle.
        case unsupportedLayer
        /// A layer's tar stream is damaged.
        case malformedLayer
        /// A hard link points at a file that no layer provides.
        case brokenHardLink
        /// A layer blob cannot be read or decompressed (damaged gzip or zstd data, cut short, trailing data).
        case damagedBlob
        /// The work was cancelled (a signal, a cancelled task).
        case cancelled
    }

    public let code: Code
    public let message: String
    public let underlying: (any Error & Sendable)?

    public init(_ code: Code, _ message: String, underlying: (any Error & Sendable)? = nil) {
        self.code = code
        self.message = message
        self.underlying = underlying
    }

    /// A cause known only by its text (a helper's last stderr lines, an errno text); empty or nil means none.
    public init(_ code: Code, _ message: String, cause: String?) {
        self.init(code, message, underlying: cause.flatMap { $0.isEmpty ? nil : ImageRepoCause($0) })
    }

    public var description: String {
        guard let underlying else { return message }
        return "\(message): \(underlying)"
    }

    /// A failed system call: `what` failed, with errno `code` as the cause.
    static func errno(_ what: String, _ code: Int32 = Foundation.errno) -> ImageRepoError {
        ImageRepoError(.io, what, underlying: ImageRepoSystemError(errno: code))
    }

    /// The errno of the failed system call behind this error, if that is its cause.
    public var systemErrno: Int32? { (underlying as? ImageRepoSystemError)?.errno }
}

/// A failed system call, kept as the cause of an `ImageRepoError` so callers can test `errno`.
public struct ImageRepoSystemError: Error, Sendable, CustomStringConvertible {
    public let errno: Int32

    public init(errno: Int32) { self.errno = errno }

    public var description: String { Errno(rawValue: errno).reason }
}

/// A cause known only by its text (a YAML parser message, a Foundation error), kept Sendable.
public struct ImageRepoCause: Error, Sendable, CustomStringConvertible {
    public let description: String

    public init(_ description: String) { self.description = description }
}
