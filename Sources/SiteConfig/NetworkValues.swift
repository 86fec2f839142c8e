import Foundation
import HostSystem

typealias HostNetworkCheck = HostNetwork

/// Checks of the values that reach the daemon (registries, proxies), so that a wrong one is an error naming the file
/// and key before any job is submitted, not a VM that fails later.
enum NetworkValues {
    static let proxySchemes = ["http", "https", "socks5", "socks5h"]

    /// `value` when it is a URL with one of `schemes` and a host.
    static func url(_ value: String, at path: String, in fields: YAMLFields, schemes: [String]) throws(ConfigError) -> String {
        guard let problem = urlProblem(value, schemes: schemes) else { return value }
        throw fields.invalid(path, "\(problem), got \"\(value)\"")
    }

    /// Why `value` is not a URL with one of `schemes` and a host; nil when it is one.
    static func urlProblem(_ value: String, schemes: [String]) -> String? {
        let schemeList = schemes.map { "\($0)://" }.joined(separator: ", ")
        guard let components = URLComponents(string: value), let scheme = components.scheme?.lowercased(),
            schemes.contains(scheme), let host = components.host, !host.isEmpty,
            !value.contains(where: \.isWhitespace)
        else {
            return "expected a URL starting with \(schemeList) and naming a host"
        }
        return nil
    }

    /// A registry as dockerd's insecure-registries and pcocc's default_registry take it: HOST[:PORT] or a CIDR,
    /// without a scheme (dockerd refuses "://" there).
    static func registryProblem(_ value: String) -> String? {
        if value.isEmpty || value.contains(where: \.isWhitespace) || value.contains("://") || value.contains("@") {
            return "expected HOST[:PORT] or an IP range (CIDR) without a scheme"
        }
        return nil
    }

    /// NO_PROXY: comma-separated names, domains, addresses or CIDRs; no blanks inside an item.
    static func noProxy(_ value: String, at path: String, in fields: YAMLFields) throws(ConfigError) -> String {
        let items = value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard !items.contains(where: { $0.contains(where: \.isWhitespace) }) else {
            throw fields.invalid(path, "expected a comma-separated list of hosts, domains or addresses, got \"\(value)\"")
        }
        return items.joined(separator: ",")
    }
}
