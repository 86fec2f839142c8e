#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The names and addresses under which a node's dockerd is reached: they go into its certificate's SANs.
public struct HostIdentity: Sendable, Equatable {
    public var hostname: String
    /// Non-loopback IPv4 and IPv6 addresses in textual form; link-local IPv6 is left out, since it
    /// needs a zone (fe80::1%eth0) that no certificate SAN can carry.
    public var addresses: [String]

    public init(hostname: String, addresses: [String]) {
        self.hostname = hostname
        self.addresses = addresses
    }

    /// This machine's host name and the addresses of its interfaces that are up.
    public static func local() throws(TLSCertsError) -> HostIdentity {
        HostIdentity(hostname: try hostname(), addresses: try interfaceAddresses())
    }

    static func hostname() throws(TLSCertsError) -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else {
            let code = errno
            throw TLSCertsError(
                .hostIdentity, "cannot read the host name: \(String(cString: strerror(code)))", errorNumber: code)
        }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func interfaceAddresses() throws(TLSCertsError) -> [String] {
        var list: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&list) == 0 else {
            let code = errno
            throw TLSCertsError(
                .hostIdentity, "cannot list the network interfaces: \(String(cString: strerror(code)))",
                errorNumber: code)
        }
        defer { freeifaddrs(list) }
        var result: [String] = []
        var entry = list
        while let current = entry {
            entry = current.pointee.ifa_next
            let flags = Int32(bitPattern: UInt32(current.pointee.ifa_flags))
            guard flags & Int32(IFF_UP) != 0, flags & Int32(IFF_LOOPBACK) == 0,
                let address = current.pointee.ifa_addr,
                let text = IPAddress.text(of: address), !IPAddress.isLoopbackOrLinkLocal(text),
                !result.contains(text)
            else { continue }
            result.append(text)
        }
        return result
    }
}

/// Conversions between textual IP addresses and the bytes a SAN iPAddress holds.
enum IPAddress {
    /// 4 bytes for IPv4, 16 for IPv6, nil for anything else (including host names).
    static func bytes(of text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            return withUnsafeBytes(of: &v4) { Array($0) }
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 {
            return withUnsafeBytes(of: &v6) { Array($0) }
        }
        return nil
    }

    static func text(of address: UnsafeMutablePointer<sockaddr>) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        let family = Int32(address.pointee.sa_family)
        let converted: UnsafePointer<CChar>?
        switch family {
        case AF_INET:
            converted = address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { v4 in
                inet_ntop(AF_INET, &v4.pointee.sin_addr, &buffer, socklen_t(buffer.count))
            }
        case AF_INET6:
            converted = address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { v6 in
                inet_ntop(AF_INET6, &v6.pointee.sin6_addr, &buffer, socklen_t(buffer.count))
            }
        default:
            return nil
        }
        guard converted != nil else { return nil }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func isLoopbackOrLinkLocal(_ text: String) -> Bool {
        guard let bytes = bytes(of: text) else { return false }
        if bytes.count == 4 { return bytes[0] == 127 }
        let loopback = bytes.dropLast().allSatisfy { $0 == 0 } && bytes.last == 1
        let linkLocal = bytes[0] == 0xfe && bytes[1] & 0xc0 == 0x80
        return loopback || linkLocal
    }
}
