import Foundation
import XCTest

@testable import DockerVM

final class SavedGuestStoreTests: XCTestCase {
    private var cache = ""

    override func setUpWithError() throws {
        cache = NSTemporaryDirectory() + "saved-guests-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: cache, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: cache)
    }

    private func shape(image: String = "/cache/guest/aa", memory: Int = 2048) -> GuestShape {
        GuestShape(
            image: GuestImage(
                directory: image, kernelPath: "", initrdPath: "", diskPath: "", commandLine: ""),
            versions: HypervisorVersions(hypervisor: 7_002_022, library: 9_000_000), kind: .qemu, cpus: 1,
            memoryMiB: memory, shareCount: 1, dataDiskGiB: 20, guestConfig: GuestConfig(dockerIptables: false),
            hostCPU: "cpu")
    }

    /// Saves a fake guest of `shape` through the store, as the VM step does.
    private func save(_ store: SavedGuestStore, _ shape: GuestShape) throws -> SavedGuestStore.Guest {
        guard case .missing(_, let hold) = try store.lookup(shape) else {
            XCTFail("expected no saved guest")
            throw CancellationError()
        }
        let staged = try store.stage(key: shape.key)
        for path in [staged.statePath, staged.rootDiskPath, staged.dataDiskPath, staged.configPath] {
            _ = FileManager.default.createFile(atPath: path, contents: Data("x".utf8))
        }
        let guest = try store.publish(staged, shape: shape)
        hold.share()
        return guest
    }

    func testShapeTextRoundTripsAndNamesItsFirstDifference() {
        let current = shape()
        XCTAssertEqual(GuestShape(text: current.text), current)
        XCTAssertEqual(current.key.count, 32)
        XCTAssertEqual(current.key, shape().key, "the key is a function of the shape")
        XCTAssertNotEqual(current.key, shape(memory: 1024).key)
        XCTAssertEqual(current.value("qemu"), "7.2.22")
        XCTAssertEqual(current.value("libvirt"), "9.0.0")
        XCTAssertEqual(current.value("host-cpu"), "-", "an emulated guest does not depend on the host CPU")
        XCTAssertEqual(
            current.difference(from: shape(memory: 1024)), "the memory (MiB) is 2048, the saved guest's 1024")
        XCTAssertNil(current.difference(from: shape()))
        XCTAssertTrue(current.outdates(shape(image: "/cache/guest/bb")))
        XCTAssertFalse(current.outdates(shape(memory: 1024)), "another shape, not an outdated one")
        XCTAssertTrue(
            current.uuid.range(
                of: "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", options: .regularExpression)
                != nil)
    }

    func testAGuestIsFoundOnlyOnceSavedAndWhileOneSavesOthersAreBusy() throws {
        let store = SavedGuestStore(cache: cache)
        let current = shape()
        guard case .missing(let why, let saving) = try store.lookup(current) else { return XCTFail("expected missing") }
        XCTAssertEqual(why, "no guest of this shape is saved on this node yet")
        guard case .busy = try store.lookup(current) else { return XCTFail("a second job must not wait or save") }
        let staged = try store.stage(key: current.key)
        XCTAssertTrue(staged.directory.hasPrefix("\(store.directory)/.saving-\(current.key)-"))
        guard case .busy = try store.lookup(current) else { return XCTFail("still saving") }
        store.prune(current: shape(memory: 1))
        XCTAssertTrue(FileManager.default.fileExists(atPath: staged.directory), "a staging in progress was removed")
        for path in [staged.statePath, staged.rootDiskPath, staged.dataDiskPath, staged.configPath] {
            _ = FileManager.default.createFile(atPath: path, contents: Data("x".utf8))
        }
        let guest = try store.publish(staged, shape: current)
        XCTAssertFalse(FileManager.default.fileExists(atPath: staged.directory))
        saving.share()
        guard case .found(let found, let using) = try store.lookup(current) else { return XCTFail("expected found") }
        XCTAssertEqual(found.directory, guest.directory)
        XCTAssertEqual(try String(contentsOfFile: found.shapePath, encoding: .utf8), current.text)
        // Held by two VMs: nobody can remove it.
        store.discard(key: current.key)
        XCTAssertTrue(FileManager.default.fileExists(atPath: guest.statePath))
        XCTAssertFalse(using.makeExclusive(), "another VM still holds it")
    }

    func testMissingSaysWhatDiffersFromTheLastSavedGuest() throws {
        let store = SavedGuestStore(cache: cache)
        _ = try save(store, shape(memory: 1024))
        guard case .missing(let why, _) = try store.lookup(shape()) else { return XCTFail("expected missing") }
        XCTAssertEqual(why, "the saved guest does not fit: the memory (MiB) is 2048, the saved guest's 1024")
    }

    func testPruneRemovesOutdatedGuestsOldStagingsAndTheLeastRecentlyUsedBeyondTheLimit() throws {
        let store = SavedGuestStore(cache: cache)
        var held: [SavedGuestStore.Guest] = []
        do {
            // Released at once: only the holds below stay.
            _ = try save(store, shape(image: "/cache/guest/old"))
            for memory in [1000, 1001, 1002, 1003, 1004] {
                let guest = try save(store, shape(memory: memory))
                store.markUsed(guest)
                held.append(guest)
            }
        }
        // 1000 is now the least recently used, and goes; 1004 is held as well.
        store.markUsed(held[1])
        // A staging whose key nobody holds: its step was killed.
        let abandoned = "\(store.directory)/.saving-\(shape(memory: 7).key)-abcdef"
        try FileManager.default.createDirectory(atPath: abandoned, withIntermediateDirectories: true)
        guard case .found(_, let hold) = try store.lookup(shape(memory: 1004)) else { return XCTFail("expected found") }
        store.prune(current: shape())
        let left = try FileManager.default.contentsOfDirectory(atPath: store.directory).filter {
            !$0.hasSuffix(".lock")
        }
        XCTAssertFalse(left.contains(shape(image: "/cache/guest/old").key), "an outdated guest was kept")
        XCTAssertFalse(left.contains { $0.hasPrefix(".saving-") }, "an abandoned staging was kept")
        XCTAssertEqual(
            Set(left), Set([1001, 1003, 1004].map { shape(memory: $0).key }),
            "the current shape's place, then the 3 most recently used, are kept")
        _ = hold
    }

    func testPruneUnlinksTheLockFilesOfKeysWithoutAGuestThatNobodyHolds() throws {
        let store = SavedGuestStore(cache: cache)
        let kept = try save(store, shape(memory: 1000))
        guard case .found(_, let using) = try store.lookup(shape(memory: 1000)) else {
            return XCTFail("expected found")
        }
        // A save that failed: its lock file stays behind.
        do {
            guard case .missing = try store.lookup(shape(memory: 1001)) else { return XCTFail("expected missing") }
        }
        // One being saved right now: its lock is held exclusive.
        guard case .missing(_, let saving) = try store.lookup(shape(memory: 1002)) else {
            return XCTFail("expected missing")
        }
        store.prune(current: shape())
        let locks = Set(
            try FileManager.default.contentsOfDirectory(atPath: store.directory).filter { $0.hasSuffix(".lock") })
        XCTAssertEqual(locks, Set([1000, 1002].map { shape(memory: $0).key + ".lock" }))
        XCTAssertTrue(FileManager.default.fileExists(atPath: kept.statePath))
        // The save goes on under its lock: another job still finds it busy, then finds the guest.
        guard case .busy = try store.lookup(shape(memory: 1002)) else { return XCTFail("its lock was taken from it") }
        let staged = try store.stage(key: shape(memory: 1002).key)
        for path in [staged.statePath, staged.rootDiskPath, staged.dataDiskPath, staged.configPath] {
            _ = FileManager.default.createFile(atPath: path, contents: Data("x".utf8))
        }
        _ = try store.publish(staged, shape: shape(memory: 1002))
        saving.share()
        guard case .found = try store.lookup(shape(memory: 1002)) else { return XCTFail("expected found") }
        // A key whose lock file was unlinked starts afresh.
        guard case .missing(_, let again) = try store.lookup(shape(memory: 1001)) else {
            return XCTFail("expected missing")
        }
        guard case .busy = try store.lookup(shape(memory: 1001)) else { return XCTFail("the new lock does not hold") }
        _ = (using, again)
    }
}
