import Foundation
import VMAllocator
import XCTest

@testable import DockerVM

final class ScratchDirectoryTests: XCTestCase {
    private var parent = ""

    override func setUpWithError() throws {
        parent = NSTemporaryDirectory() + "sc-\(UUID().uuidString.prefix(8))"
        XCTAssertEqual(mkdir(parent, 0o700), 0)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: parent)
    }

    func testCapabilitiesCacheIsPerUserNextToTheJobsScratch() {
        XCTAssertEqual(
            ScratchDirectory.capabilitiesCachePath(parent: "/tmp", userID: 1001), "/tmp/pcocc-docker-1001-cache")
        XCTAssertEqual(ScratchDirectory.namePrefix(userID: 1001, jobID: "42"), "pcocc-1001-42-")
        let scratch = ScratchDirectory(path: "/tmp/pcocc-1001-42-Ab3xYz")
        XCTAssertEqual(scratch.cacheDirectory, "/tmp/pcocc-1001-42-Ab3xYz/k")
        XCTAssertEqual(scratch.capabilitiesDirectory, "/tmp/pcocc-1001-42-Ab3xYz/k/libvirt/qemu/cache/capabilities")
    }

    /// Another user can create any directory in a shared /tmp, but not guess the scratch directory's name: a
    /// directory planted at the job's old, predictable name blocks nothing.
    func testTheScratchNameCannotBePlantedAndLeftoversGo() async throws {
        let planted = "\(parent)/pcocc-\(getuid())-42"
        XCTAssertEqual(mkdir(planted, 0o777), 0)
        let leftover = "\(parent)/pcocc-\(getuid())-42-AAAAAA"
        XCTAssertEqual(mkdir(leftover, 0o700), 0)
        let scratch = try await ScratchDirectory.create(parent: parent, userID: getuid(), jobID: "42")
        XCTAssertTrue(scratch.path.hasPrefix("\(parent)/pcocc-\(getuid())-42-"), scratch.path)
        XCTAssertNotEqual(scratch.path, leftover)
        XCTAssertFalse(FileManager.default.fileExists(atPath: leftover), "an earlier step's leftover is removed")
        XCTAssertTrue(
            FileManager.default.fileExists(atPath: planted), "a directory that is not a scratch name is left alone")
        var info = stat()
        XCTAssertEqual(lstat(scratch.path, &info), 0)
        XCTAssertEqual(info.st_mode & 0o777, 0o700)
        let again = try await ScratchDirectory.create(parent: parent, userID: getuid(), jobID: "42")
        XCTAssertFalse(
            FileManager.default.fileExists(atPath: scratch.path), "a job has one scratch directory at a time")
        again.remove()
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
        XCTAssertThrowsError(
            try ScratchDirectory.sharedCapabilitiesCache(parent: "\(parent)/missing", userID: getuid()))
    }

    func testJobLinksOnlyTheCapabilitiesAndRemovingItKeepsThem() throws {
        let scratch = ScratchDirectory(path: "\(parent)/pcocc-\(getuid())-42-AbCdEf")
        for directory in [scratch.path, scratch.cacheDirectory] { XCTAssertEqual(mkdir(directory, 0o700), 0) }
        XCTAssertTrue(scratch.linkCapabilitiesCache(parent: parent, userID: getuid()))
        let cache = ScratchDirectory.capabilitiesCachePath(parent: parent, userID: getuid())
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: scratch.capabilitiesDirectory), cache)
        XCTAssertTrue(
            FileManager.default.createFile(atPath: "\(scratch.capabilitiesDirectory)/caps.xml", contents: Data()))

        scratch.remove()
        XCTAssertFalse(FileManager.default.fileExists(atPath: scratch.path))
        XCTAssertTrue(FileManager.default.fileExists(atPath: "\(cache)/caps.xml"))
    }

    func testJobFallsBackToItsOwnCacheWhenTheSharedOneIsUnusable() throws {
        let cache = ScratchDirectory.capabilitiesCachePath(parent: parent, userID: getuid())
        XCTAssertTrue(FileManager.default.createFile(atPath: cache, contents: Data()))
        let scratch = ScratchDirectory(path: "\(parent)/pcocc-\(getuid())-43-AbCdEf")
        for directory in [scratch.path, scratch.cacheDirectory] { XCTAssertEqual(mkdir(directory, 0o700), 0) }
        XCTAssertFalse(scratch.linkCapabilitiesCache(parent: parent, userID: getuid()))
        XCTAssertFalse(FileManager.default.fileExists(atPath: scratch.capabilitiesDirectory))
    }
}
