import Foundation

/// What the guest's dockerd is told about registries, name servers and proxies: the
/// `registry-mirror=`, `insecure-registry=`, `dns=` and `*-proxy=` lines of `opt/pcocc/config`
/// (CONTRACTS.md). Checked when made, so that a bad value is one error before any job starts
/// rather than a dockerd that refuses to start inside the VM.
public struct GuestDaemonOptions: Sendable, Equatable {
    /// The guest init passes at most this many lines of one kind.
    public static let maximumValues = 16

    /// `http(s)://host[:port][/path]` URLs dockerd tries, in order, for Docker Hub images.
    public let registryMirrors: [String]
    /// `host[:port]` (or a CIDR) dockerd may reach over plain HTTP or unverified TLS.
    public let insecureRegistries: [String]
    /// Name servers of the guest and its containers (IP addresses); empty: slirp's 10.0.2.3,
    /// which asks the node's own resolver.
    public let dnsServers: [String]
    public let httpProxy: String?
    public let httpsProxy: String?
    public let noProxy: String?

    /// No mirror, no insecure registry, slirp's name server, no proxy.
    public init() {
        registryMirrors = []
        insecureRegistries = []
        dnsServers = []
        httpProxy = nil
        httpsProxy = nil
        noProxy = nil
    }

    /// Empty proxy strings mean no proxy.
    public init(
        registryMirrors: [String] = [], insecureRegistries: [String] = [], dnsServers: [String] = [],
        httpProxy: String? = nil, httpsProxy: String? = nil, noProxy: String? = nil
    ) throws(VMError) {
        for mirror in registryMirrors { try Self.checkMirror(mirror) }
        for registry in insecureRegistries { try Self.checkRegistry(registry, what: "insecure registry") }
        for server in dnsServers where !JobIdentity.isIPAddress(server) {
            throw VMError(.invalidSetting, "DNS server '\(server)' must be an IP address (the node's loopback is 10.0.2.2 from the VM)")
        }
        for (what, list) in [("registry mirrors", registryMirrors), ("insecure registries", insecureRegistries), ("DNS servers", dnsServers)]
        where list.count > Self.maximumValues {
            throw VMError(.invalidSetting, "\(list.count) \(what) given: the guest takes at most \(Self.maximumValues)")
        }
        let (httpProxy, httpsProxy, noProxy) = (Self.nonEmpty(httpProxy), Self.nonEmpty(httpsProxy), Self.nonEmpty(noProxy))
        let proxies = [("HTTP proxy", httpProxy), ("HTTPS proxy", httpsProxy), ("no-proxy list", noProxy)]
        for case let (what, value?) in proxies where !Self.isOneWord(value) {
            throw VMError(.invalidSetting, "\(what) '\(value)' must be one word without spaces or line breaks")
        }
        for case let (what, value?) in proxies.prefix(2) where value.contains("://") {
            let scheme = value.prefix { $0 != ":" }.lowercased()
            guard ["http", "https", "socks5", "socks5h"].contains(scheme) else {
                throw VMError(.invalidSetting, "\(what) '\(value)' must be an http://, https:// or socks5:// URL")
            }
        }
        self.registryMirrors = registryMirrors
        self.insecureRegistries = insecureRegistries
        self.dnsServers = dnsServers
        self.httpProxy = httpProxy
        self.httpsProxy = httpsProxy
        self.noProxy = noProxy
    }

    /// pcocc's `runtime.default_registry` ("replace Docker Hub"): pcocc rewrites Docker Hub names
    /// to it (`busybox` -> `REGISTRY/library/busybox`), which is how dockerd reads a Docker Hub
    /// mirror. So the registry becomes the first mirror: plain HTTP when it is also one of
    /// `runtime.insecure_registries`, else HTTPS. Unlike pcocc, pushes of unqualified names still
    /// go to Docker Hub, and dockerd falls back to Docker Hub when the mirror fails.
    public static func mirror(forDefaultRegistry registry: String, insecureRegistries: [String]) throws(VMError) -> String {
        try checkRegistry(registry, what: "default registry")
        return "\(insecureRegistries.contains(registry) ? "http" : "https")://\(registry)"
    }

    /// The config lines, in the contract's order.
    var lines: [String] {
        registryMirrors.map { "registry-mirror=\($0)" } + insecureRegistries.map { "insecure-registry=\($0)" }
            + dnsServers.map { "dns=\($0)" } + [("http-proxy", httpProxy), ("https-proxy", httpsProxy), ("no-proxy", noProxy)]
            .compactMap { key, value in value.map { "\(key)=\($0)" } }
    }

    private static func nonEmpty(_ value: String?) -> String? {
        value.flatMap { $0.isEmpty ? nil : $0 }
    }

    private static func isOneWord(_ value: String) -> Bool {
        !value.isEmpty && !value.contains { $0.isWhitespace || $0.isNewline || $0 == "\0" }
    }

    /// As dockerd checks a mirror: http or https, a host, no user, query or fragment.
    private static func checkMirror(_ mirror: String) throws(VMError) {
        guard isOneWord(mirror), let url = URLComponents(string: mirror), let scheme = url.scheme?.lowercased(),
            scheme == "http" || scheme == "https", let host = url.host, !host.isEmpty,
            url.user == nil, url.password == nil, url.query == nil, url.fragment == nil
        else {
            throw VMError(.invalidSetting, "registry mirror '\(mirror)' must be an http:// or https:// URL with a host and no user, query or fragment")
        }
    }

    /// `host[:port]` or a CIDR, as dockerd's --insecure-registry takes them (no scheme).
    private static func checkRegistry(_ registry: String, what: String) throws(VMError) {
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: ".-_:[]/"))
        guard isOneWord(registry), !registry.contains("://"), registry.unicodeScalars.allSatisfy(allowed.contains),
            let first = registry.first, first != ":" && first != "/"
        else {
            throw VMError(.invalidSetting, "\(what) '\(registry)' must be HOST[:PORT] (or a CIDR), without a scheme")
        }
    }
}
