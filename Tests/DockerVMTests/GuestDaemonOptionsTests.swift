import SiteConfig
import XCTest

@testable import DockerVM

/// The daemon's options as the guest gets them: from checked settings, pcocc's default registry first among the
/// mirrors, the node's loopback as the VM sees it.
final class GuestDaemonOptionsTests: XCTestCase {
    func configuration(network: NetworkSection, runtime: PcoccRuntime = .defaults) -> SiteConfiguration {
        var settings = SiteConfiguration.defaults.settings
        settings.network = network
        return SiteConfiguration(pcocc: runtime, settings: settings, sharedDirectories: [])
    }

    func testSettingsBecomeTheConfigLinesInTheContractOrder() throws {
        let network = NetworkSection(
            mode: .nat, registryMirrors: ["https://mirror.example.org/docker/"], dns: ["10.0.2.3", "fd00::53"],
            httpProxy: nil, httpsProxy: nil, noProxy: nil)
        let runtime = PcoccRuntime(
            defaultRegistry: "127.0.0.1:5000", insecureRegistries: ["127.0.0.1:5000", "10.1.0.0/16"])
        let daemon = GuestDaemonOptions(
            configuration(network: network, runtime: runtime),
            proxies: ProxySettings(
                httpProxy: "http://localhost:3128", httpsProxy: nil, noProxy: "localhost,.example.org"))
        XCTAssertEqual(
            GuestConfig(dockerIptables: false, network: .nat, daemon: daemon).contents,
            """
            iptables=false
            network=nat
            registry-mirror=http://10.0.2.2:5000
            registry-mirror=https://mirror.example.org/docker/
            insecure-registry=10.0.2.2:5000
            insecure-registry=10.1.0.0/16
            dns=10.0.2.3
            dns=fd00::53
            http-proxy=http://10.0.2.2:3128
            no-proxy=localhost,.example.org

            """)
    }

    func testPcoccDefaultRegistryBecomesTheFirstMirror() {
        XCTAssertEqual(
            GuestDaemonOptions.mirror(forDefaultRegistry: "registry.mydomain.com:5000", insecureRegistries: []),
            "https://registry.mydomain.com:5000")
        XCTAssertEqual(
            GuestDaemonOptions.mirror(forDefaultRegistry: "10.0.2.2:5000", insecureRegistries: ["10.0.2.2:5000"]),
            "http://10.0.2.2:5000")
    }

    func testLoopbackIsTheNodeFromTheGuest() {
        XCTAssertEqual(GuestDaemonOptions.fromGuest("127.0.0.1"), "10.0.2.2")
        XCTAssertEqual(GuestDaemonOptions.fromGuest("http://127.0.0.1:3128"), "http://10.0.2.2:3128")
        XCTAssertEqual(GuestDaemonOptions.fromGuest("localhost:5000"), "10.0.2.2:5000")
        XCTAssertEqual(GuestDaemonOptions.fromGuest("http://proxy.example.org:3128"), "http://proxy.example.org:3128")
        XCTAssertEqual(GuestDaemonOptions.fromGuest("http://localhost.example.org"), "http://localhost.example.org")
    }
}
