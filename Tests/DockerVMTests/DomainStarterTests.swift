import Synchronization
import VMAllocator
import XCTest

@testable import DockerVM

/// Answers `start` from a script of outcomes, and records what it was asked.
final class ScriptedHypervisor: Hypervisor {
    let outcomes: Mutex<[Result<DomainHandle, VMError>]>
    let started = Mutex<[String]>([])

    init(_ outcomes: [Result<DomainHandle, VMError>]) {
        self.outcomes = Mutex(outcomes)
    }

    func start(domainXML: String) async throws(VMError) -> DomainHandle {
        started.withLock { $0.append(domainXML) }
        return try outcomes.withLock { $0.removeFirst() }.get()
    }

    func state(of domain: DomainHandle) async throws(VMError) -> DomainState { .running }
    func destroy(_ domain: DomainHandle) async throws(VMError) {}
    func close() async {}
    func save(_ domain: DomainHandle, to path: String) async throws(VMError) {}
    func restore(from path: String, domainXML: String, name: String) async throws(VMError) -> DomainHandle {
        try await start(domainXML: domainXML)
    }
    func versions() async throws(VMError) -> HypervisorVersions {
        HypervisorVersions(hypervisor: 7_002_000, library: 9_000_000)
    }
}

final class DomainStarterTests: XCTestCase {
    let conflict = VMError(
        .libvirt,
        "libvirt domain start failed: internal error: qemu: Could not set up host forwarding rule 'tcp:127.0.0.1:4-:2376'"
    )

    func starter(_ hypervisor: ScriptedHypervisor) -> DomainStarter {
        let ports = Mutex([40001, 40002, 40003])
        return DomainStarter(
            hypervisor: hypervisor, pickPort: { ports.withLock { $0.removeFirst() } }, domainXML: { "port \($0)" })
    }

    func testRetriesOnAnotherPortWhenQEMUCannotBind() async throws {
        let hypervisor = ScriptedHypervisor([.failure(conflict), .success(DomainHandle(name: "d"))])
        let (domain, port) = try await starter(hypervisor).start()
        XCTAssertEqual(domain.name, "d")
        XCTAssertEqual(port, 40002)
        XCTAssertEqual(hypervisor.started.withLock { $0 }, ["port 40001", "port 40002"])
    }

    func testGivesUpAfterThreePortConflicts() async {
        let hypervisor = ScriptedHypervisor([.failure(conflict), .failure(conflict), .failure(conflict)])
        do {
            _ = try await starter(hypervisor).start()
            XCTFail("started despite three conflicts")
        } catch {
            XCTAssertEqual(error.code, .noFreePort)
        }
    }

    func testOtherStartErrorsAreNotRetried() async {
        let hypervisor = ScriptedHypervisor([.failure(VMError(.libvirt, "libvirt domain start failed: no kernel"))])
        do {
            _ = try await starter(hypervisor).start()
            XCTFail("started")
        } catch {
            XCTAssertEqual(error.code, .libvirt)
            XCTAssertEqual(hypervisor.started.withLock { $0.count }, 1)
        }
    }

    func testFreePortIsBindable() throws {
        let port = try PortAllocator.freePort(on: "127.0.0.1")
        XCTAssertGreaterThan(port, 0)
        XCTAssertThrowsError(try PortAllocator.freePort(on: "not-an-address"))
    }
}
