import Foundation
import XCTest

@testable import VMAllocator

final class ScratchDirectoryTests: XCTestCase {
    private var parent = ""

    override func setUpWithError() throws {
        parent = NSTemporaryDirectory() + "pcocc-scratch-\(getpid())-\(UUID().uuidString.prefix(8))"
        XCTAssertEqual(mkdir(parent, 0o700), 0)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: parent)
    }

    func testCapabilitiesCacheIsPerUserNextToTheJobsScratch() {
        XCTAssertEqual(ScratchDirectory.capabilitiesCachePath(parent: "/tmp", userID: 1001), "/tmp/pcocc-docker-1001-cache")
        XCTAssertEqual(ScratchDirectory.path(parent: "/tmp", userID: 1001, jobID: "42"), "/tmp/pcocc-docker-1001-42")
        let scratch = ScratchDirectory(path: ScratchDirectory.path(parent: "/tmp", userID: 1001, jobID: "42"))
        XCTAssertEqual(scratch.cacheDirectory, "/tmp/pcocc-docker-1001-42/k")
        XCTAssertEqual(scratch.capabilitiesDirectory, "/tmp/pcocc-docker-1001-42/k/libvirt/qemu/cache/capabilities")
    }

    func testCapabilitiesCacheIsCreatedPrivate() throws {
        let cache = try ScratchDirectory.sharedCapabilitiesCache(parent: parent, userID: getuid())
        XCTAssertEqual(cache, "\(parent)/pcocc-docker-\(getuid())-cache")
        var info = stat()
        XCTAssertEqual(lstat(cache, &info), 0)
        XCTAssertEqual(info.st_mode & 0o777, 0o700)
        // Found again as it is.
        XCTAssertEqual(try ScratchDirectory.sharedCapabilitiesCache(parent: parent, userID: getuid()), cache)
    }

    func testCapabilitiesCacheRefusedUnlessTheUsersAlone() throws {
        let cache = ScratchDirectory.capabilitiesCachePath(parent: parent, userID: getuid())
        XCTAssertEqual(mkdir(cache, 0o700), 0)
        XCTAssertEqual(chmod(cache, 0o770), 0)
        XCTAssertThrowsError(try ScratchDirectory.sharedCapabilitiesCache(parent: parent, userID: getuid()))
        XCTAssertThrowsError(try ScratchDirectory.sharedCapabilitiesCache(parent: parent, userID: getuid() &+ 1))
        XCTAssertEqual(rmdir(cache), 0)
        XCTAssertEqual(symlink(parent, cache), 0)
        XCTAssertThrowsError(try ScratchDirectory.sharedCapabilitiesCache(parent: parent, userID: getuid()))
        XCTAssertThrowsError(try ScratchDirectory.sharedCapabilitiesCache(parent: "\(parent)/missing", userID: getuid()))
    }

    func testJobLinksOnlyTheCapabilitiesAndRemovingItKeepsThem() throws {
        let scratch = ScratchDirectory(path: ScratchDirectory.path(parent: parent, userID: getuid(), jobID: "42"))
        for directory in [scratch.path, scratch.cacheDirectory] { XCTAssertEqual(mkdir(directory, 0o700), 0) }
        XCTAssertTrue(scratch.linkCapabilitiesCache(parent: parent, userID: getuid()))
        let cache = ScratchDirectory.capabilitiesCachePath(parent: parent, userID: getuid())
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: scratch.capabilitiesDirectory), cache)
        XCTAssertTrue(FileManager.default.createFile(atPath: "\(scratch.capabilitiesDirectory)/caps.xml", contents: Data()))

        scratch.remove()
        XCTAssertFalse(FileManager.default.fileExists(atPath: scratch.path))
        XCTAssertTrue(FileManager.default.fileExists(atPath: "\(cache)/caps.xml"))
    }

    func testJobFallsBackToItsOwnCacheWhenTheSharedOneIsUnusable() throws {
        let cache = ScratchDirectory.capabilitiesCachePath(parent: parent, userID: getuid())
        XCTAssertTrue(FileManager.default.createFile(atPath: cache, contents: Data()))
        let scratch = ScratchDirectory(path: ScratchDirectory.path(parent: parent, userID: getuid(), jobID: "43"))
        for directory in [scratch.path, scratch.cacheDirectory] { XCTAssertEqual(mkdir(directory, 0o700), 0) }
        XCTAssertFalse(scratch.linkCapabilitiesCache(parent: parent, userID: getuid()))
        XCTAssertFalse(FileManager.default.fileExists(atPath: scratch.capabilitiesDirectory))
    }
}
