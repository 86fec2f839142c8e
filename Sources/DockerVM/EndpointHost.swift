import HostSystem

/// The address clients on other nodes should use to reach the forwarded dockerd port when the launcher named none
/// (a VM started by hand or by a benchmark).
enum EndpointHost {
    /// A specific bind address is used as is; for a wildcard bind, the node's name when it resolves to one of this
    /// host's non-loopback addresses (names mapped to 127.0.1.1 by /etc/hosts do not), else its first such address,
    /// IPv4 first, as clients expect.
    static func host(
        bindAddress: String, hostname: String, resolve: (String) -> [String], localAddresses: [String]
    ) -> String {
        guard HostNetwork.isWildcard(bindAddress) else { return bindAddress }
        let usable = localAddresses.filter { !HostNetwork.isLoopback($0) && !HostNetwork.isLinkLocal($0) }
        let external = usable.filter { !$0.contains(":") } + usable.filter { $0.contains(":") }
        if !hostname.isEmpty, resolve(hostname).contains(where: external.contains) { return hostname }
        return external.first ?? "127.0.0.1"
    }
}
