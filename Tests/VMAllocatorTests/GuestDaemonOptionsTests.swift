import XCTest

@testable import VMAllocator

final class GuestDaemonOptionsTests: XCTestCase {
    /// The message of the VMError `body` throws, nil when it throws nothing.
    private func message(_ body: () throws -> Void) -> String? {
        do {
            try body()
            return nil
        } catch let error as VMError {
            XCTAssertEqual(error.code, .invalidSetting)
            return error.message
        } catch {
            XCTFail("not a VMError: \(error)")
            return nil
        }
    }

    /// VMError prints one line: line breaks in a value become spaces.
    private func oneLine(_ value: String) -> String { value.replacingOccurrences(of: "\n", with: " ") }

    func testMirrorsMustBeHTTPURLsAsDockerdWantsThem() {
        for bad in ["registry.example.org", "ftp://r.example.org", "https://", "https://u:p@r.example.org",
                    "https://r.example.org/?q=1", "https://r.example.org/#x", "http://r.example.org\ninsecure-registry=x", "http://a b"] {
            XCTAssertEqual(
                message { _ = try GuestDaemonOptions(registryMirrors: [bad]) },
                "registry mirror '\(oneLine(bad))' must be an http:// or https:// URL with a host and no user, query or fragment")
        }
        XCTAssertNil(message { _ = try GuestDaemonOptions(registryMirrors: ["http://10.0.2.2:5000", "https://m.example.org/v2-cache/"]) })
    }

    func testInsecureRegistriesAreHostsOrNetworksWithoutScheme() {
        XCTAssertNil(message { _ = try GuestDaemonOptions(insecureRegistries: ["10.0.2.2:5000", "reg.example.org", "10.0.0.0/8", "[fd00::1]:5000"]) })
        for bad in ["http://10.0.2.2:5000", "", ":5000", "reg example", "reg\n"] {
            XCTAssertEqual(
                message { _ = try GuestDaemonOptions(insecureRegistries: [bad]) },
                "insecure registry '\(oneLine(bad))' must be HOST[:PORT] (or a CIDR), without a scheme")
        }
    }

    func testDNSServersAreAddresses() {
        XCTAssertNil(message { _ = try GuestDaemonOptions(dnsServers: ["10.0.2.3", "2001:db8::53"]) })
        XCTAssertEqual(
            message { _ = try GuestDaemonOptions(dnsServers: ["dns.example.org"]) },
            "DNS server 'dns.example.org' must be an IP address (the node's loopback is 10.0.2.2 from the VM)")
    }

    func testProxiesAreOneWordURLs() {
        XCTAssertNil(message { _ = try GuestDaemonOptions(httpProxy: "proxy:3128", httpsProxy: "socks5://10.0.2.2:1080", noProxy: "*") })
        XCTAssertEqual(
            message { _ = try GuestDaemonOptions(httpProxy: "http://p:3128\nhttps-proxy=x") },
            "HTTP proxy 'http://p:3128 https-proxy=x' must be one word without spaces or line breaks")
        XCTAssertEqual(
            message { _ = try GuestDaemonOptions(httpsProxy: "ftp://p:21") },
            "HTTPS proxy 'ftp://p:21' must be an http://, https:// or socks5:// URL")
        XCTAssertEqual(
            message { _ = try GuestDaemonOptions(noProxy: "a, b") },
            "no-proxy list 'a, b' must be one word without spaces or line breaks")
    }

    func testTheGuestTakesAtMostSixteenOfAKind() {
        let many = (1...17).map { "10.0.0.\($0)" }
        XCTAssertEqual(message { _ = try GuestDaemonOptions(dnsServers: many) }, "17 DNS servers given: the guest takes at most 16")
    }

    func testPcoccDefaultRegistryBecomesTheFirstMirror() throws {
        XCTAssertEqual(
            try GuestDaemonOptions.mirror(forDefaultRegistry: "registry.mydomain.com:5000", insecureRegistries: []),
            "https://registry.mydomain.com:5000")
        XCTAssertEqual(
            try GuestDaemonOptions.mirror(forDefaultRegistry: "10.0.2.2:5000", insecureRegistries: ["10.0.2.2:5000"]),
            "http://10.0.2.2:5000")
        XCTAssertEqual(
            message { _ = try GuestDaemonOptions.mirror(forDefaultRegistry: "https://r.example.org", insecureRegistries: []) },
            "default registry 'https://r.example.org' must be HOST[:PORT] (or a CIDR), without a scheme")
    }
}
