import HostSystem

/// The one error type of TLSCerts: what failed, on which object, and why.
public struct TLSCertsError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable, Equatable {
        /// A caller-supplied value (address, date, name) cannot go into a certificate.
        case invalidArgument
        /// Key generation, certificate construction or signing failed.
        case certificateCreation
        /// A directory or file of the job's certificate layout could not be created or written.
        case fileSystem
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

    /// A failed system call while writing the job's files.
    static func system(_ error: SystemError) -> TLSCertsError {
        TLSCertsError(.fileSystem, error.description, underlying: error, errorNumber: error.errno?.rawValue)
    }
}
