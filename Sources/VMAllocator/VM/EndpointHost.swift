import Foundation

/// The address clients on other nodes should use to reach the forwarded dockerd port.
enum EndpointHost {
    /// A loopback bind is only reachable as itself; a specific address is used as is; for a
    /// wildcard bind, the node's name when it resolves to one of this host's non-loopback
    /// addresses (names mapped to 127.0.1.1 by /etc/hosts do not), else its first such address.
    static func host(bindAddress: String, hostname: String, resolve: (String) -> [String], localAddresses: [String]) -> String {
        let wildcard = ["0.0.0.0", "::", ""].contains(bindAddress)
        guard wildcard else { return bindAddress }
        // Link-local IPv6 needs a zone and is useless across nodes; IPv4 first, as clients expect.
        let usable = localAddresses.filter { !isLoopback($0) && !$0.lowercased().hasPrefix("fe80") }
        let external = usable.filter { !$0.contains(":") } + usable.filter { $0.contains(":") }
        if !hostname.isEmpty, resolve(hostname).contains(where: external.contains) { return hostname }
        return external.first ?? "127.0.0.1"
    }

    static func hostname() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func isLoopback(_ address: String) -> Bool {
        address.hasPrefix("127.") || address == "::1"
    }

    /// Numeric addresses `name` resolves to.
    static func resolve(_ name: String) -> [String] {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(name, nil, &hints, &list) == 0 else { return [] }
        defer { freeaddrinfo(list) }
        var addresses: [String] = []
        var entry = list
        while let current = entry {
            if let text = numeric(current.pointee.ai_addr, length: current.pointee.ai_addrlen) { addresses.append(text) }
            entry = current.pointee.ai_next
        }
        return addresses
    }

    /// IPv4 and IPv6 addresses of this host's interfaces, in interface order.
    static func localAddresses() -> [String] {
        var list: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&list) == 0 else { return [] }
        defer { freeifaddrs(list) }
        var addresses: [String] = []
        var entry = list
        while let current = entry {
            if let address = current.pointee.ifa_addr {
                let family = Int32(address.pointee.sa_family)
                let length = socklen_t(family == AF_INET6 ? MemoryLayout<sockaddr_in6>.size : MemoryLayout<sockaddr_in>.size)
                if family == AF_INET || family == AF_INET6, let text = numeric(address, length: length) {
                    addresses.append(text)
                }
            }
            entry = current.pointee.ifa_next
        }
        return addresses
    }

    private static func numeric(_ address: UnsafeMutablePointer<sockaddr>?, length: socklen_t) -> String? {
        guard let address else { return nil }
        var buffer = [CChar](repeating: 0, count: Int(NI_MAXHOST))
        guard getnameinfo(address, length, &buffer, socklen_t(buffer.count), nil, 0, NI_NUMERICHOST) == 0 else {
            return nil
        }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
