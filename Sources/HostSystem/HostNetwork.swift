#if canImport(Glibc)
    import Glibc
#endif

/// This host's name and addresses, and the address checks every part needs (configuration, certificates, the
/// endpoint a VM publishes).
public enum HostNetwork {
    /// The host name (gethostname); empty when it cannot be read.
    public static func hostname() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The IPv4 and IPv6 addresses of the interfaces that are up, in interface order, without loopback and
    /// link-local ones (those need a zone, fe80::1%eth0, that no certificate or URL across nodes can carry).
    public static func interfaceAddresses() -> [String] {
        var list: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&list) == 0 else { return [] }
        defer { freeifaddrs(list) }
        var addresses: [String] = []
        var entry = list
        while let current = entry {
            entry = current.pointee.ifa_next
            let flags = Int32(bitPattern: UInt32(current.pointee.ifa_flags))
            guard flags & Int32(IFF_UP) != 0, let address = current.pointee.ifa_addr,
                let text = numeric(address), !text.contains("%"), !isLoopback(text), !isLinkLocal(text),
                !addresses.contains(text)
            else { continue }
            addresses.append(text)
        }
        return addresses
    }

    /// The numeric addresses `name` resolves to (in resolver order, duplicates removed).
    public static func resolve(_ name: String) -> [String] {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(name, nil, &hints, &list) == 0 else { return [] }
        defer { freeaddrinfo(list) }
        var addresses: [String] = []
        var entry = list
        while let current = entry {
            entry = current.pointee.ai_next
            if let address = current.pointee.ai_addr, let text = numeric(address), !addresses.contains(text) {
                addresses.append(text)
            }
        }
        return addresses
    }

    /// 4 bytes for an IPv4 address, 16 for IPv6, nil for anything else (host names included).
    public static func addressBytes(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }

    public static func isIPAddress(_ text: String) -> Bool { addressBytes(text) != nil }

    /// 127.0.0.0/8 and ::1.
    public static func isLoopback(_ text: String) -> Bool {
        guard let bytes = addressBytes(text) else { return false }
        if bytes.count == 4 { return bytes[0] == 127 }
        return bytes.dropLast().allSatisfy { $0 == 0 } && bytes.last == 1
    }

    /// fe80::/10.
    public static func isLinkLocal(_ text: String) -> Bool {
        guard let bytes = addressBytes(text), bytes.count == 16 else { return false }
        return bytes[0] == 0xfe && bytes[1] & 0xc0 == 0x80
    }

    /// A bind address meaning "every address of the host".
    public static func isWildcard(_ address: String) -> Bool {
        ["0.0.0.0", "::", ""].contains(address)
    }

    /// `host:port` as URLs, DOCKER_HOST and QEMU's hostfwd want it: an IPv6 address goes in brackets.
    public static func hostPort(_ host: String, _ port: Int) -> String {
        "\(host.contains(":") ? "[\(host)]" : host):\(port)"
    }

    private static func numeric(_ address: UnsafeMutablePointer<sockaddr>) -> String? {
        let family = Int32(address.pointee.sa_family)
        guard family == AF_INET || family == AF_INET6 else { return nil }
        let length = socklen_t(family == AF_INET6 ? MemoryLayout<sockaddr_in6>.size : MemoryLayout<sockaddr_in>.size)
        var buffer = [CChar](repeating: 0, count: Int(NI_MAXHOST))
        guard getnameinfo(address, length, &buffer, socklen_t(buffer.count), nil, 0, NI_NUMERICHOST) == 0 else {
            return nil
        }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
