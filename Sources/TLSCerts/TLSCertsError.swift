#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The one error type of TLSCerts: what failed, on which object, and why.
public struct TLSCertsError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable, Equatable {
        /// A caller-supplied value (address, date, name) cannot go into a certificate.
        case invalidArgument
        /// Key generation, certificate construction or signing failed.
        case certificateCreation
        /// A directory or file of the job's certificate layout could not be created or written.
        case fileSystem
        /// The host name or the network interfaces could not be read.
        case hostIdentity
    }

    public let code: Code
    /// One line naming the object, e.g. "cannot write /home/u/.pcocc/job_1/vmcerts/client/key.pem: Permission denied".
    public let message: String
    /// The error reported by the layer below (swift-certificates, swift-crypto), when there is one.
    public let underlying: (any Error)?
    /// The errno of a failed system call, when there is one.
    public let errorNumber: Int32?

    public init(_ code: Code, _ message: String, underlying: (any Error)? = nil, errorNumber: Int32? = nil) {
        self.code = code
        self.message = message
        self.underlying = underlying
        self.errorNumber = errorNumber
    }

    public var description: String { message }

    /// A failed system call on `path`; the caller reads errno right after the failing call.
    static func system(_ action: String, _ path: String, _ code: Int32) -> TLSCertsError {
        let reason = String(cString: strerror(code))
        return TLSCertsError(.fileSystem, "cannot \(action) \(path): \(reason)", errorNumber: code)
    }
}
