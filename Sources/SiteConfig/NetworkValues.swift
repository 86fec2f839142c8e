import Foundation
import HostSystem

typealias HostNetworkCheck = HostNetwork

/// Checks of the values that reach the daemon (registries, proxies), so that a wrong one is an error naming the file
/// and key before any job is submitted, not a VM that fails later.
enum NetworkValues {
    static let proxySchemes = ["http", "https", "socks5", "socks5h"]
    /// The guest init takes at most this many values of one kind (mirrors, insecure registries, name servers).
    static let maximumValues = 16

    /// `value` when it is a URL with one of `schemes` and a host.
    static func url(
        _ value: String, at path: String, in fields: YAMLFields, schemes: [String], mirror: Bool = false
    ) throws(ConfigError) -> String {
        guard let problem = urlProblem(value, schemes: schemes, mirror: mirror) else { return value }
        throw fields.invalid(path, "\(problem), got \"\(value)\"")
    }

    /// Why `value` is not a URL with one of `schemes` and a host; nil when it is one. A registry mirror, as dockerd
    /// checks it, also has no user, query or fragment.
    static func urlProblem(_ value: String, schemes: [String], mirror: Bool = false) -> String? {
        let schemeList = schemes.map { "\($0)://" }.joined(separator: ", ")
        guard let components = URLComponents(string: value), let scheme = components.scheme?.lowercased(),
            schemes.contains(scheme), let host = components.host, !host.isEmpty,
            !value.contains(where: { $0.isWhitespace || $0.isNewline || $0 == "\0" })
        else {
            return "expected a URL starting with \(schemeList) and naming a host"
        }
        if mirror
            && (components.user != nil || components.password != nil || components.query != nil
                || components.fragment != nil)
        {
            return "expected a URL without user, query or fragment (as dockerd wants a mirror)"
        }
        return nil
    }

    /// At most `maximumValues` values in the list at `path`.
    static func checkCount<T>(_ values: [T], at path: String, in fields: YAMLFields) throws(ConfigError) -> [T] {
        guard values.count <= maximumValues else {
            throw fields.invalid(path, "\(values.count) values: the guest takes at most \(maximumValues)")
        }
        return values
    }

    /// A registry as dockerd's insecure-registries and pcocc's default_registry take it: HOST[:PORT] or a CIDR,
    /// without a scheme (dockerd refuses "://" there).
    static func registryProblem(_ value: String) -> String? {
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: ".-_:[]/"))
        guard !value.isEmpty, !value.contains("://"), value.unicodeScalars.allSatisfy(allowed.contains),
            let first = value.first, first != ":" && first != "/"
        else {
            return "expected HOST[:PORT] or an IP range (CIDR) without a scheme"
        }
        return nil
    }

    /// NO_PROXY: comma-separated names, domains, addresses or CIDRs; no blanks inside an item.
    static func noProxy(_ value: String, at path: String, in fields: YAMLFields) throws(ConfigError) -> String {
        let items = value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard !items.contains(where: { $0.contains(where: \.isWhitespace) }) else {
            throw fields.invalid(
                path, "expected a comma-separated list of hosts, domains or addresses, got \"\(value)\"")
        }
        return items.joined(separator: ",")
    }
}
