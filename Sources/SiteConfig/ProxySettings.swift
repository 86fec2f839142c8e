/// The proxies dockerd uses for pulls and pushes: the settings' values, else the submitting environment's own
/// HTTP_PROXY/HTTPS_PROXY/NO_PROXY (either case), so that a cluster's proxy works without configuration.
public struct ProxySettings: Sendable, Equatable {
    public var httpProxy: String?
    public var httpsProxy: String?
    public var noProxy: String?

    public init(httpProxy: String? = nil, httpsProxy: String? = nil, noProxy: String? = nil) {
        self.httpProxy = httpProxy
        self.httpsProxy = httpsProxy
        self.noProxy = noProxy
    }

    /// The effective proxies for `network` in `environment`. An empty setting means "no proxy" and hides the
    /// environment's. Throws when a value taken from the environment is not a proxy URL (the settings' own were
    /// checked when read).
    public static func resolve(
        _ network: NetworkSection, environment: [String: String]
    ) throws(ConfigError) -> ProxySettings {
        func pick(_ setting: String?, _ name: String) throws(ConfigError) -> String? {
            if let setting { return setting.isEmpty ? nil : setting }
            guard let value = environment[name.uppercased()] ?? environment[name.lowercased()], !value.isEmpty else {
                return nil
            }
            if name != "NO_PROXY", let problem = NetworkValues.urlProblem(value, schemes: NetworkValues.proxySchemes) {
                throw ConfigError(
                    file: "the environment", key: name,
                    message:
                        "\(problem), got \"\(value)\" (set network.\(name.lowercased()) in pcocc-docker.yaml to override it)"
                )
            }
            return value
        }
        return ProxySettings(
            httpProxy: try pick(network.httpProxy, "HTTP_PROXY"),
            httpsProxy: try pick(network.httpsProxy, "HTTPS_PROXY"),
            noProxy: try pick(network.noProxy, "NO_PROXY"))
    }
}
