import VMAllocator
import XCTest

@testable import DockerVM

/// Against libvirt's daemonless test driver: the real C calls, no VM.
final class LibvirtHypervisorTests: XCTestCase {
    func xml(_ name: String) -> String {
        """
        <domain type='qemu'><name>\(name)</name><memory unit='MiB'>256</memory><vcpu>1</vcpu>
        <os><type arch='x86_64'>hvm</type></os></domain>
        """
    }

    func testStartStateDestroy() async throws {
        let hypervisor = try await LibvirtHypervisor.connect(uri: "test:///default", autodestroy: false)
        let domain = try await hypervisor.start(domainXML: xml("lifecycle"))
        let running = try await hypervisor.state(of: domain)
        XCTAssertEqual(running, .running)
        try await hypervisor.destroy(domain)
        let stopped = try await hypervisor.state(of: domain)
        XCTAssertEqual(stopped, .shutoff)
        // A second destroy of a domain already gone is not an error.
        try await hypervisor.destroy(domain)
        await hypervisor.close()
    }

    func testBadXMLIsOneLineLibvirtError() async throws {
        let hypervisor = try await LibvirtHypervisor.connect(uri: "test:///default", autodestroy: false)
        do {
            _ = try await hypervisor.start(domainXML: "<domain")
            XCTFail("a truncated domain XML was accepted")
        } catch {
            XCTAssertEqual(error.code, .libvirt)
            XCTAssertNotNil(error.libvirtCode)
            XCTAssertTrue(error.message.hasPrefix("libvirt domain start failed:"), error.message)
            XCTAssertFalse(error.message.contains("\n"))
        }
        await hypervisor.close()
    }

    func testAutodestroyFlagReachesLibvirt() async throws {
        // The test driver refuses VIR_DOMAIN_START_AUTODESTROY, which proves the flag is passed.
        let hypervisor = try await LibvirtHypervisor.connect(uri: "test:///default")
        do {
            _ = try await hypervisor.start(domainXML: xml("autodestroy"))
            XCTFail("the test driver accepted AUTODESTROY")
        } catch {
            XCTAssertTrue(error.message.contains("unsupported flags"), error.message)
        }
        await hypervisor.close()
    }

    func testUnreachableURIIsNamed() async throws {
        do {
            _ = try await LibvirtHypervisor.connect(uri: "qemu+unix:///session?socket=/nonexistent/sock")
            XCTFail("connected to a socket that does not exist")
        } catch {
            XCTAssertEqual(error.code, .libvirtUnreachable)
            XCTAssertTrue(error.message.contains("/nonexistent/sock"), error.message)
        }
    }
}
