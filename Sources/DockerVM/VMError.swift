import ChildProcess

/// Every failure of the VM step, as one line the CLI can print as is.
///
/// `details` carries what helps after that line (the tail of the guest console), and
/// `libvirtCode` the libvirt error number when libvirt said no, so callers can tell
/// "no such domain" from real failures without parsing messages.
public struct VMError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case guestImageMissing
        case guestImageInvalid
        case certificatesMissing
        case invalidSetting
        case libvirtUnreachable
        case libvirt
        case noFreePort
        case notReady
        case domainStopped
        case fileSystem
        case tool
    }

    public let code: Code
    public let message: String
    public let details: [String]
    public let libvirtCode: Int32?

    public init(_ code: Code, _ message: String, details: [String] = [], libvirtCode: Int32? = nil) {
        self.code = code
        // Messages from QEMU through libvirt can span lines; the CLI prints exactly one.
        self.message = message.split(whereSeparator: \.isNewline).joined(separator: " ")
        self.details = details
        self.libvirtCode = libvirtCode
    }

    public var description: String { message }

    static func tool(_ error: ChildProcessError) -> VMError {
        VMError(.tool, error.description)
    }
}
