import Foundation
import HostSystem
import SiteConfig

/// What the guest's dockerd is told about registries, name servers and proxies: the `registry-mirror=`,
/// `insecure-registry=`, `dns=` and `*-proxy=` lines of `opt/pcocc/config` (CONTRACTS.md). The values were checked
/// when the configuration was read (before any job was submitted); here they are only put in the guest's terms.
public struct GuestDaemonOptions: Sendable, Equatable {
    /// `http(s)://host[:port][/path]` URLs dockerd tries, in order, for Docker Hub images.
    public var registryMirrors: [String] = []
    /// `host[:port]` (or a CIDR) dockerd may reach over plain HTTP or unverified TLS.
    public var insecureRegistries: [String] = []
    /// Name servers of the guest and its containers (IP addresses); empty: slirp's 10.0.2.3, which asks the node's
    /// own resolver.
    public var dnsServers: [String] = []
    public var httpProxy: String?
    public var httpsProxy: String?
    public var noProxy: String?

    public init() {}

    /// The daemon options of `configuration` with the effective `proxies`. The node's loopback is 10.0.2.2 from the
    /// VM: a registry, mirror, proxy or name server on 127.0.0.1 (or localhost) is given to the guest there.
    public init(_ configuration: SiteConfiguration, proxies: ProxySettings) {
        let network = configuration.network
        let runtime = configuration.pcocc
        var mirrors = network.registryMirrors
        if let registry = runtime.defaultRegistry {
            mirrors.insert(
                Self.mirror(forDefaultRegistry: registry, insecureRegistries: runtime.insecureRegistries), at: 0)
        }
        registryMirrors = mirrors.map(Self.fromGuest)
        insecureRegistries = runtime.insecureRegistries.map(Self.fromGuest)
        dnsServers = network.dns.map(Self.fromGuest)
        httpProxy = proxies.httpProxy.map(Self.fromGuest)
        httpsProxy = proxies.httpsProxy.map(Self.fromGuest)
        noProxy = proxies.noProxy
    }

    /// pcocc's `runtime.default_registry` ("replace Docker Hub"): pcocc rewrites Docker Hub names to it (`busybox` ->
    /// `REGISTRY/library/busybox`), which is how dockerd reads a Docker Hub mirror. So the registry becomes the first
    /// mirror: plain HTTP when it is also one of `runtime.insecure_registries`, else HTTPS. Unlike pcocc, pushes of
    /// unqualified names still go to Docker Hub, and dockerd falls back to Docker Hub when the mirror fails.
    public static func mirror(forDefaultRegistry registry: String, insecureRegistries: [String]) -> String {
        "\(insecureRegistries.contains(registry) ? "http" : "https")://\(registry)"
    }

    /// `value` (a URL, HOST[:PORT] or an address) with a loopback host replaced by the node as the guest sees it.
    static func fromGuest(_ value: String) -> String {
        let loopbacks = ["127.0.0.1", "localhost", "[::1]", "::1"]
        if loopbacks.contains(value) { return guestNodeAddress }
        for loopback in loopbacks {
            for prefix in ["", "http://", "https://", "socks5://", "socks5h://"] {
                let hostPart = prefix + loopback
                if value.hasPrefix(hostPart + ":") || value.hasPrefix(hostPart + "/") || value == hostPart {
                    return prefix + guestNodeAddress + value.dropFirst(hostPart.count)
                }
            }
        }
        return value
    }

    /// The node's loopback, from inside the VM (slirp's gateway).
    static let guestNodeAddress = "10.0.2.2"

    /// The config lines, in the contract's order.
    var lines: [String] {
        registryMirrors.map { "registry-mirror=\($0)" } + insecureRegistries.map { "insecure-registry=\($0)" }
            + dnsServers.map { "dns=\($0)" }
            + [("http-proxy", httpProxy), ("https-proxy", httpsProxy), ("no-proxy", noProxy)]
            .compactMap { key, value in value.map { "\(key)=\($0)" } }
    }
}
