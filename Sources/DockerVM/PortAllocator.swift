import Foundation
import HostSystem

/// Picks the host port slirp forwards to dockerd: one the kernel calls free right now.
/// QEMU binds it a moment later, so the caller retries when someone took it in between.
enum PortAllocator {
    static func freePort(on address: String) throws(VMError) -> Int {
        var hints = addrinfo()
        hints.ai_flags = AI_NUMERICHOST | AI_PASSIVE
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(address, "0", &hints, &list) == 0, let info = list else {
            throw VMError(.noFreePort, "no free TCP port: '\(address)' is not a numeric IP address (vm.bind_address)")
        }
        defer { freeaddrinfo(list) }
        let socketFD = socket(info.pointee.ai_family, info.pointee.ai_socktype, 0)
        guard socketFD >= 0 else { throw failure(address) }
        defer { close(socketFD) }
        guard bind(socketFD, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 else { throw failure(address) }
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let named = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socketFD, $0, &length) }
        }
        guard named == 0 else { throw failure(address) }
        // sin_port and sin6_port sit at the same offset, in network byte order.
        let port = withUnsafeBytes(of: &storage) { Int(UInt16(bigEndian: $0.load(fromByteOffset: 2, as: UInt16.self))) }
        return port
    }

    private static func failure(_ address: String) -> VMError {
        VMError(.noFreePort, "no free TCP port: " + SystemError("bind a port on", address).description)
    }

    /// Whether a domain start failed because QEMU could not bind the forwarded port.
    static func isPortConflict(_ error: VMError) -> Bool {
        let message = error.message.lowercased()
        return message.contains("host forwarding") || message.contains("hostfwd")
            || message.contains("address already in use")
    }
}
