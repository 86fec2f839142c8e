internal import CLibvirt

/// Process-wide libvirt set-up, done once before the first connection: libvirt wants
/// `virInitialize` before use from several threads, and without an error handler it prints
/// every error on our stderr (we report errors ourselves, as one line).
enum LibvirtLibrary {
    static let ready: Bool = {
        virSetErrorFunc(nil) { _, _ in }
        return virInitialize() == 0
    }()

    /// The error of the last failed call on this thread. libvirt keeps it thread-local, so
    /// this must run on the thread of the failed call, right after it.
    static func lastError(_ operation: String) -> VMError {
        let (code, message) = lastMessage()
        return VMError(.libvirt, "libvirt \(operation) failed: \(message)", libvirtCode: code)
    }

    /// The raw code and message of `lastError`, with the same thread rule.
    static func lastMessage() -> (code: Int32?, message: String) {
        guard let error = virGetLastError() else { return (nil, "no reason given") }
        return (error.pointee.code, error.pointee.message.map { String(cString: $0) } ?? "no reason given")
    }
}

/// Owns one `virConnectPtr`; closing it is what lets libvirtd autodestroy our domains.
///
/// Not thread-confined by itself: `LibvirtHypervisor` only touches it on its own queue.
final class LibvirtConnection: @unchecked Sendable {
    let pointer: OpaquePointer
    let uri: String

    /// Blocking (it may spawn the session libvirtd and wait for its socket).
    init(uri: String) throws(VMError) {
        guard LibvirtLibrary.ready else {
            throw VMError(.libvirtUnreachable, "libvirt could not be initialised")
        }
        guard let pointer = virConnectOpen(uri) else {
            let (code, message) = LibvirtLibrary.lastMessage()
            throw VMError(.libvirtUnreachable, "libvirt at '\(uri)' is unreachable: \(message)", libvirtCode: code)
        }
        self.pointer = pointer
        self.uri = uri
    }

    deinit {
        virConnectClose(pointer)
    }
}

/// Owns one `virDomainPtr`, and keeps its connection alive at least as long.
final class LibvirtDomain: @unchecked Sendable {
    let pointer: OpaquePointer
    let connection: LibvirtConnection

    init(pointer: OpaquePointer, connection: LibvirtConnection) {
        self.pointer = pointer
        self.connection = connection
    }

    deinit {
        virDomainFree(pointer)
    }
}
