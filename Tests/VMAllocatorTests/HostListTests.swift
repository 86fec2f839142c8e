import XCTest

@testable import VMAllocator

/// Host lists go through libslurm (no cluster needed): every form Slurm writes must expand as Slurm does.
final class HostListTests: XCTestCase {
    func testSingleGroupsAndPlainNames() {
        XCTAssertEqual(HostList.expand("node1"), ["node1"])
        XCTAssertEqual(HostList.expand("node[1-3]"), ["node1", "node2", "node3"])
        XCTAssertEqual(HostList.expand("n[08-10,12],login"), ["n08", "n09", "n10", "n12", "login"])
        XCTAssertEqual(HostList.expand("a,b c"), ["a", "b", "c"], "commas and spaces both separate")
        XCTAssertEqual(HostList.expand(""), [])
    }

    func testSeveralBracketGroupsInOneName() {
        XCTAssertEqual(
            HostList.expand("rack[1-2]-n[01-04]"),
            ["rack1-n01", "rack1-n02", "rack1-n03", "rack1-n04", "rack2-n01", "rack2-n02", "rack2-n03", "rack2-n04"])
        XCTAssertEqual(HostList.expand("a[1-2]b[1,3]"), ["a1b1", "a1b3", "a2b1", "a2b3"])
        XCTAssertEqual(Set(HostList.expand("r[1-2]-c[1-2]-n[1-2]")).count, 8, "three groups: 2 x 2 x 2 distinct hosts")
    }

    func testMultiGroupNamesInALongerList() {
        XCTAssertEqual(
            HostList.expand("rack[1-2]-n[01-02],login[1-2],gpu[007-008]"),
            ["rack1-n01", "rack1-n02", "rack2-n01", "rack2-n02", "login1", "login2", "gpu007", "gpu008"])
        XCTAssertEqual(HostList.first(of: "rack[3-4]-n[09-10],login1"), "rack3-n09")
    }

    func testAListLibslurmRejectsStaysWhole() {
        XCTAssertEqual(HostList.expand("node[3-1]"), ["node[3-1]"])
        XCTAssertEqual(HostList.first(of: "node[3-1]"), "node[3-1]")
    }
}
