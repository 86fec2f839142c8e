import HostSystem
import XCTest

final class HostNetworkTests: XCTestCase {
    func testThisHostHasANameAndNoLoopbackOrLinkLocalAddress() {
        XCTAssertFalse(HostNetwork.hostname().isEmpty)
        for address in HostNetwork.interfaceAddresses() {
            XCTAssertFalse(
                HostNetwork.isLoopback(address) || HostNetwork.isLinkLocal(address) || address.contains("%"), address)
            XCTAssertTrue(HostNetwork.isIPAddress(address), address)
        }
    }

    func testAddressChecks() {
        XCTAssertEqual(HostNetwork.addressBytes("10.0.2.2"), [10, 0, 2, 2])
        XCTAssertEqual(HostNetwork.addressBytes("::1")?.count, 16)
        XCTAssertNil(HostNetwork.addressBytes("node1"))
        XCTAssertNil(HostNetwork.addressBytes("10.0.2"))
        XCTAssertTrue(HostNetwork.isLoopback("127.0.1.1"))
        XCTAssertTrue(HostNetwork.isLoopback("::1"))
        XCTAssertFalse(HostNetwork.isLoopback("10.0.0.1"))
        XCTAssertTrue(HostNetwork.isLinkLocal("fe80::1"))
        XCTAssertTrue(HostNetwork.isWildcard("0.0.0.0") && HostNetwork.isWildcard("::"))
        XCTAssertFalse(HostNetwork.isWildcard("127.0.0.1"))
    }

    func testHostPortBracketsIPv6() {
        XCTAssertEqual(HostNetwork.hostPort("node1", 2376), "node1:2376")
        XCTAssertEqual(HostNetwork.hostPort("fd00::5", 2376), "[fd00::5]:2376")
    }

    func testResolveGivesNumericAddresses() {
        XCTAssertTrue(HostNetwork.resolve("localhost").contains { HostNetwork.isLoopback($0) })
        XCTAssertEqual(HostNetwork.resolve("no-such-host.invalid"), [])
    }
}
