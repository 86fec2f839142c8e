import Foundation
import SiteConfig
import Synchronization
import VMAllocator
import XCTest

@testable import DockerVM

/// A hypervisor whose domains report a scripted state, recording what the supervisor asked of it.
final class LifecycleHypervisor: Hypervisor {
    let domainState: DomainState
    let startError: VMError?
    /// Whether its domains print the init's "waiting for the job" line on their console and can be saved.
    let saves: Bool
    let destroyed = Mutex<[String]>([])
    let restored = Mutex(0)
    let closed = Mutex(false)

    init(domainState: DomainState, startError: VMError? = nil, saves: Bool = false) {
        self.domainState = domainState
        self.startError = startError
        self.saves = saves
    }

    func start(domainXML: String) async throws(VMError) -> DomainHandle {
        if let startError { throw startError }
        if saves, let console = domainXML.firstMatch(of: /<source path='([^']*)' append='off'\/>/)?.1 {
            try? "pcocc-init: waiting for the job uptime=9.0\n".write(
                toFile: String(console), atomically: false, encoding: .utf8)
        }
        return DomainHandle(name: "fake")
    }

    func state(of domain: DomainHandle) async throws(VMError) -> DomainState { domainState }
    func destroy(_ domain: DomainHandle) async throws(VMError) { destroyed.withLock { $0.append(domain.name) } }
    func close() async { closed.withLock { $0 = true } }
    func save(_ domain: DomainHandle, to path: String) async throws(VMError) {
        guard saves else { throw VMError(.libvirt, "the fake cannot save") }
        FileManager.default.createFile(atPath: path, contents: Data("saved".utf8))
    }
    func restore(from path: String, domainXML: String, name: String) async throws(VMError) -> DomainHandle {
        guard saves else { throw VMError(.libvirt, "the fake cannot restore") }
        restored.withLock { $0 += 1 }
        return DomainHandle(name: "restored")
    }
    func versions() async throws(VMError) -> HypervisorVersions {
        HypervisorVersions(hypervisor: 7_002_000, library: 9_000_000)
    }
}

/// VMSupervisor's clean-up on each way a start can fail, against a fake hypervisor: the real
/// overlay and data disk are made (qemu-img, mkfs.ext4), and must be gone afterwards.
final class VMSupervisorLifecycleTests: XCTestCase {
    var root = ""

    override func setUp() async throws {
        // Short: libvirt sockets live under the scratch directory (108-byte limit).
        root = "/tmp/sv-\(UUID().uuidString.prefix(6))"
        let image = "\(root)/image"
        try FileManager.default.createDirectory(atPath: image, withIntermediateDirectories: true)
        for file in ["vmlinux", "initrd.img"] {
            _ = FileManager.default.createFile(atPath: "\(image)/\(file)", contents: Data())
        }
        let qemuImg = Process()
        qemuImg.executableURL = URL(fileURLWithPath: "/usr/bin/qemu-img")
        qemuImg.arguments = ["create", "-q", "-f", "qcow2", "\(image)/rootfs.qcow2", "64M"]
        try qemuImg.run()
        qemuImg.waitUntilExit()
        XCTAssertEqual(qemuImg.terminationStatus, 0, "qemu-img could not make the test's base image")
        let manifest =
            #"{"kernel":"vmlinux","initrd":"initrd.img","disk":"rootfs.qcow2","cmdline":"quiet","recipe_hash":"00"}"#
        _ = FileManager.default.createFile(atPath: "\(image)/image.json", contents: Data(manifest.utf8))
        for directory in ["vmcerts/vm0", "vmcerts/client"] {
            try FileManager.default.createDirectory(
                atPath: "\(root)/job/\(directory)", withIntermediateDirectories: true)
        }
        for file in [
            "vm0/ca.pem", "vm0/server-cert.pem", "vm0/server-key.pem", "client/ca.pem", "client/cert.pem",
            "client/key.pem",
        ] {
            _ = FileManager.default.createFile(atPath: "\(root)/job/vmcerts/\(file)", contents: Data("x".utf8))
        }
        try FileManager.default.createDirectory(atPath: "\(root)/scratch", withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: root) }

    func supervisor(_ hypervisor: LifecycleHypervisor, readyTimeout: Int = 1, start: VMStart = .boot) -> VMSupervisor {
        var settings = VMSettings(
            job: JobDirectory(path: "\(root)/job", jobID: "77"), userID: getuid(), imageDirectory: "\(root)/image",
            libvirtURI: "test:///default", domainKind: .qemu, resources: VMResources(cpus: 1, memoryMiB: 512),
            dataDiskGiB: 1, scratchDirectory: "\(root)/scratch", shares: [], dockerIptables: false,
            bindAddress: "127.0.0.1", readyTimeoutSeconds: readyTimeout)
        settings.start = start
        return VMSupervisor(settings: settings) { _ throws(VMError) in hypervisor }
    }

    func assertNothingLeft(file: StaticString = #filePath, line: UInt = #line) throws {
        let scratch = try FileManager.default.contentsOfDirectory(atPath: "\(root)/scratch").filter {
            !$0.hasSuffix("-cache")
        }
        XCTAssertEqual(scratch, [], "scratch left behind", file: file, line: line)
        XCTAssertFalse(
            FileManager.default.fileExists(atPath: "\(root)/job/docker/endpoint.json"), file: file, line: line)
    }

    func testADomainThatStopsWhileBootingIsDestroyedAndCleanedUp() async throws {
        let hypervisor = LifecycleHypervisor(domainState: .shutoff)
        do {
            _ = try await supervisor(hypervisor).run()
            XCTFail("expected the VM to fail")
        } catch {
            XCTAssertEqual(error.code, .domainStopped)
            XCTAssertTrue(error.message.contains("console.log"), error.message)
        }
        XCTAssertEqual(hypervisor.destroyed.withLock { $0 }, ["fake"])
        XCTAssertTrue(hypervisor.closed.withLock { $0 })
        try assertNothingLeft()
    }

    func testADockerdThatNeverAnswersTimesOutAndIsCleanedUp() async throws {
        let hypervisor = LifecycleHypervisor(domainState: .running)
        do {
            _ = try await supervisor(hypervisor, readyTimeout: 1).run()
            XCTFail("expected a readiness timeout")
        } catch {
            XCTAssertEqual(error.code, .notReady)
            XCTAssertTrue(error.message.contains("within 1 s"), error.message)
        }
        XCTAssertEqual(hypervisor.destroyed.withLock { $0 }, ["fake"])
        XCTAssertTrue(hypervisor.closed.withLock { $0 })
        try assertNothingLeft()
    }

    func testAFailedStartClosesTheConnectionAndLeavesNothing() async throws {
        let hypervisor = LifecycleHypervisor(
            domainState: .running, startError: VMError(.libvirt, "libvirt domain start failed: boom"))
        do {
            _ = try await supervisor(hypervisor).run()
            XCTFail("expected the start to fail")
        } catch {
            XCTAssertEqual(error.code, .libvirt)
        }
        XCTAssertEqual(hypervisor.destroyed.withLock { $0 }, [], "nothing was started, nothing to destroy")
        XCTAssertTrue(hypervisor.closed.withLock { $0 })
        try assertNothingLeft()
    }

    /// With start: restore and nothing saved, the step boots a guest to save: one that never reaches the job's
    /// wait is destroyed, its staging directory removed, and the step boots the job's VM instead, saying why.
    func testAGuestThatCannotBeSavedIsDestroyedAndTheVMBoots() async throws {
        let hypervisor = LifecycleHypervisor(domainState: .running)
        do {
            _ = try await supervisor(hypervisor, readyTimeout: 1, start: .restore).run()
            XCTFail("expected a readiness timeout")
        } catch {
            XCTAssertEqual(error.code, .notReady)
        }
        XCTAssertEqual(hypervisor.destroyed.withLock { $0 }, ["fake", "fake"], "the guest to save, then the job's")
        try assertNothingLeft()
        let saved = "\(root)/scratch/pcocc-docker-\(getuid())-cache/saved-guests"
        let left = try FileManager.default.contentsOfDirectory(atPath: saved).filter { !$0.hasSuffix(".lock") }
        XCTAssertEqual(left, [], "a half-saved guest was left")
        let notices = VMNotices.read(from: JobDirectory(path: "\(root)/job", jobID: "77"))
        XCTAssertTrue(notices.contains { $0.hasPrefix("saving a docker VM for the next jobs") }, "\(notices)")
        XCTAssertTrue(
            notices.contains { $0.hasPrefix("booting the docker VM: saving the booted guest failed: ") }, "\(notices)")
    }

    /// A saved guest that restores but never answers would fail every later job of its shape: it is destroyed,
    /// removed, and the step boots instead, saying why.
    func testARestoredGuestThatNeverAnswersIsRemovedAndTheVMBoots() async throws {
        let hypervisor = LifecycleHypervisor(domainState: .running, saves: true)
        do {
            _ = try await supervisor(hypervisor, readyTimeout: 2, start: .restore).run()
            XCTFail("expected a readiness timeout")
        } catch {
            XCTAssertEqual(error.code, .notReady)
        }
        XCTAssertEqual(hypervisor.restored.withLock { $0 }, 1)
        XCTAssertEqual(
            hypervisor.destroyed.withLock { $0 }, ["restored", "fake"], "the restored VM, then the booted one")
        try assertNothingLeft()
        let saved = "\(root)/scratch/pcocc-docker-\(getuid())-cache/saved-guests"
        let left = try FileManager.default.contentsOfDirectory(atPath: saved).filter { !$0.hasSuffix(".lock") }
        XCTAssertEqual(left, [], "the saved guest that did not answer was kept")
        let notices = VMNotices.read(from: JobDirectory(path: "\(root)/job", jobID: "77"))
        XCTAssertTrue(
            notices.contains { $0.hasPrefix("booting the docker VM: the restored guest did not answer (") },
            "\(notices)")
    }
}
