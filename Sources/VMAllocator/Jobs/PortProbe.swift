import Foundation

/// Whether anything accepts TCP connections on host:port. QEMU's user networking accepts on the
/// forwarded port for as long as QEMU lives, so a refused connection proves the VM is gone.
public enum PortProbe {
    public static func accepts(host: String, port: Int) -> Bool {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &list) == 0, let first = list else { return false }
        defer { freeaddrinfo(first) }
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let current = entry {
            let fd = socket(current.pointee.ai_family, current.pointee.ai_socktype, current.pointee.ai_protocol)
            if fd >= 0 {
                defer { close(fd) }
                // A firewalled node would otherwise hold connect() for TCP's whole retry time.
                var timeout = timeval(tv_sec: 2, tv_usec: 0)
                _ = setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
                if connect(fd, current.pointee.ai_addr, current.pointee.ai_addrlen) == 0 { return true }
            }
            entry = current.pointee.ai_next
        }
        return false
    }
}
