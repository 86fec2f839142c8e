import ChildProcess
import Foundation
import XCTest

@testable import ImageRepo

/// The whole import behind `ImageImport.run`: layout in, stored image and cache entry out, and nothing left behind
/// when any step fails.
final class ImageImportTests: XCTestCase {
    /// One `user` repository and a cache, under `root`.
    private func repositories(in root: String) throws -> ImageRepositories {
        try ImageRepositories(
            configuration: RepositoryConfiguration(
                repositories: [.init(name: "user", path: "\(root)/images", file: nil)], cacheDirectory: "\(root)/cache")
        )
    }

    /// A fill closure writing a one-file image (a real tar layer) as skopeo would.
    private func layout(_ file: String, _ content: String, scratch: String) -> (String) async throws -> Void {
        { path in
            _ = try HandMadeLayout.write(
                at: path, layers: [HandMadeLayout.tarLayer(fileName: file, content: content, scratch: scratch)])
        }
    }

    func testImportWritesTheEntryPcoccLooksUpForEachDriver() async throws {
        let scratch = try Scratch()
        let repositories = try repositories(in: scratch.path)
        for driver in CacheEntryFormat.Driver.allCases {
            let importer = ImageImport(
                repositories: repositories, format: CacheEntryFormat(driver: driver, mountPoints: ["/scratch/"]))
            let name = "hello-\(driver)"
            let messages = Failures()
            let imported = try await importer.run(
                as: ImageName(name: name), force: false, progress: { messages.add($0) },
                fill: layout("hello", "hi", scratch: scratch.path))
            XCTAssertEqual(imported.image.reference, "user:\(name)@0")
            XCTAssertEqual(imported.cacheEntry, repositories.cache.path(for: imported.image, kind: driver.cacheKind))
            XCTAssertEqual(messages.all.last, "Storing image in repository 'user' as '\(name)' ...")
            let files = try BundleFiles(imported.cacheEntry)
            XCTAssertEqual(try files.read("rootfs/hello"), "hi")
            XCTAssertEqual(
                try files.read("config.json"),
                #"{"ociVersion": "0.1.0", "root": {"path": "rootfs"}, "process": {"cwd": "/", "args": ["/bin/sh"]}}"#)
            XCTAssertEqual(try files.kind("rootfs/etc/resolv.conf"), "f")
            XCTAssertEqual(try files.kind("rootfs/scratch"), "d")
        }
        XCTAssertEqual(try leftovers(scratch.path), [])
    }

    /// The meter sees the conversion start and end, and by the end every layer and entry the stats count.
    func testTheMeterFollowsTheConversionToItsEnd() async throws {
        let scratch = try Scratch()
        let importer = ImageImport(
            repositories: try repositories(in: scratch.path),
            format: CacheEntryFormat(driver: .squashfs, mountPoints: []))
        let meter = RecordingMeter()
        let imported = try await importer.run(
            as: ImageName(name: "metered"), force: false, meter: meter,
            fill: layout("hello", "hi", scratch: scratch.path))
        let progress = try XCTUnwrap(meter.progress)
        XCTAssertEqual(meter.events, ["started", "finished"])
        XCTAssertTrue(progress.isFinished)
        XCTAssertEqual(progress.layersDone, progress.layers)
        XCTAssertEqual(progress.layers, imported.stats.layers)
        XCTAssertEqual(progress.bytesDone, imported.stats.bytesIn)
        XCTAssertGreaterThanOrEqual(progress.entries, 1)
    }

    func testForceStoresTheNextRevisionWithAnEntryOfItsOwn() async throws {
        let scratch = try Scratch()
        let repositories = try repositories(in: scratch.path)
        let importer = ImageImport(repositories: repositories, format: CacheEntryFormat(driver: .squashfs))
        let first = try await importer.run(
            as: ImageName(name: "app"), force: false, fill: layout("v", "one", scratch: scratch.path))
        var filled = false
        do {
            _ = try await importer.run(as: ImageName(name: "app"), force: false) { _ in filled = true }
            XCTFail("an existing name was replaced without force")
        } catch let error as ImageRepoError {
            XCTAssertEqual(error.code, .alreadyExists)
            XCTAssertTrue(error.message.contains("--force"), error.message)
        }
        XCTAssertFalse(filled, "the layout was copied before the name was checked")
        let second = try await importer.run(
            as: ImageName(name: "app"), force: true, fill: layout("v", "two", scratch: scratch.path))
        XCTAssertEqual([first.image.revision, second.image.revision], [0, 1])
        XCTAssertNotEqual(first.cacheEntry, second.cacheEntry)
        XCTAssertEqual(try BundleFiles(first.cacheEntry).read("rootfs/v"), "one")
        XCTAssertEqual(try BundleFiles(second.cacheEntry).read("rootfs/v"), "two")
        XCTAssertEqual(try repositories.find("app").revision, 1)
        XCTAssertEqual(try repositories.find("app@0").metadata.serialized, first.image.metadata.serialized)
        XCTAssertEqual(try leftovers(scratch.path), [])
    }

    func testAFailedConversionLeavesRepositoryAndCacheAsTheyWere() async throws {
        let scratch = try Scratch()
        let repositories = try repositories(in: scratch.path)
        let importer = ImageImport(repositories: repositories, format: CacheEntryFormat(driver: .flat))
        _ = try await importer.run(
            as: ImageName(name: "kept"), force: false, fill: layout("k", "kept", scratch: scratch.path))
        let before = try snapshot(scratch.path)
        do {
            _ = try await importer.run(as: ImageName(name: "broken"), force: false) { path in
                // A tar layer that is not a tar: the conversion fails after the layout was checked.
                _ = try HandMadeLayout.write(at: path, layers: [Data(repeating: 0x41, count: 2048)])
            }
            XCTFail("a broken layer was imported")
        } catch let error as ImageRepoError {
            XCTAssertEqual(error.code, .malformedLayer, "\(error)")
        }
        XCTAssertEqual(try snapshot(scratch.path), before)
    }

    func testCancellationRemovesEverything() async throws {
        let scratch = try Scratch()
        let repositories = try repositories(in: scratch.path)
        let importer = ImageImport(repositories: repositories)
        let scratchPath = scratch.path
        let task = Task {
            try await importer.run(as: ImageName(name: "never"), force: false) { path in
                _ = try HandMadeLayout.write(
                    at: path, layers: [HandMadeLayout.tarLayer(fileName: "a", content: "a", scratch: scratchPath)])
                try await Task.sleep(for: .seconds(30))
            }
        }
        try await Task.sleep(for: .milliseconds(200))
        task.cancel()
        do {
            _ = try await task.value
            XCTFail("a cancelled import completed")
        } catch {}
        XCTAssertEqual(try repositories.defaultRepository.revisions(of: "never"), [])
        XCTAssertEqual(try leftovers(scratch.path), [])
    }

    /// Out of space in the middle of an import (a small tmpfs holding the repository and the cache): the repository
    /// and the cache are as they were, for each driver. Needs root, to mount the tmpfs.
    func testRunningOutOfSpaceLeavesRepositoryAndCacheAsTheyWere() async throws {
        guard getuid() == 0 else { throw XCTSkip("mounting a tmpfs needs root") }
        let scratch = try Scratch()
        let mount = "\(scratch.path)/small"
        try FileManager.default.createDirectory(atPath: mount, withIntermediateDirectories: true)
        try await ChildProcess.checked("mount", ["-t", "tmpfs", "-o", "size=2m", "tmpfs", mount])
        defer { _ = try? Tool.run("/bin/umount", [mount]) }
        let repositories = try repositories(in: mount)
        for driver in CacheEntryFormat.Driver.allCases {
            let importer = ImageImport(repositories: repositories, format: CacheEntryFormat(driver: driver))
            _ = try await importer.run(
                as: ImageName(name: "small-\(driver)"), force: false, fill: layout("s", "small", scratch: scratch.path))
            let before = try snapshot(mount)
            do {
                _ = try await importer.run(as: ImageName(name: "huge-\(driver)"), force: false) { path in
                    // 64 blocks of 128 KiB, zeros but for a counter (neither sparse nor duplicates in a squashfs), 10 kB
                    // once gzipped: the layout fits, the extracted image does not.
                    let blocks = (0..<64).map {
                        String(format: "%08d", $0) + String(repeating: "\0", count: (128 << 10) - 8)
                    }
                    let tar = try HandMadeLayout.tarLayer(
                        fileName: "blocks", content: blocks.joined(), scratch: scratch.path)
                    _ = try HandMadeLayout.write(at: path, layers: [tar], gzip: true)
                }
                XCTFail("8 MB fitted in a 2 MB file system (\(driver))")
            } catch let error as ImageRepoError {
                XCTAssertEqual(error.systemErrno, ENOSPC, "\(driver): \(error)")
                XCTAssertTrue("\(error)".contains("No space left on device"), "\(error)")
            }
            XCTAssertEqual(try snapshot(mount), before, "\(driver)")
        }
    }

    // MARK: - Helpers

    /// Every path under `root` with its size, for "as it was" comparisons.
    private func snapshot(_ root: String) throws -> [String: Int64] {
        var entries: [String: Int64] = [:]
        for path in try FileManager.default.subpathsOfDirectory(atPath: root) {
            entries[path] = FileSystem.fileSize("\(root)/\(path)") ?? -1
        }
        return entries
    }

    /// Scratch files an import must never leave: in the repository's .tmp, pending cache entries.
    private func leftovers(_ root: String) throws -> [String] {
        let temporary = try FileManager.default.contentsOfDirectory(atPath: "\(root)/images/.tmp")
        let pending = ((try? FileManager.default.contentsOfDirectory(atPath: "\(root)/cache")) ?? []).filter {
            $0.hasPrefix(".")
        }
        return temporary + pending
    }
}

/// Reads a cache entry, squashfs or directory, with the squashfs-tools-ng readers.
struct BundleFiles {
    let entry: String

    init(_ entry: String) throws { self.entry = entry }

    func read(_ path: String) throws -> String {
        if FileSystem.isDirectory(entry) { return try String(contentsOfFile: "\(entry)/\(path)", encoding: .utf8) }
        return try Tool.run("/usr/bin/rdsquashfs", ["-c", path, entry])
    }

    /// "f", "d", "l"...: the first letter of the entry's type as rdsquashfs -s or lstat says it.
    func kind(_ path: String) throws -> String {
        if FileSystem.isDirectory(entry) {
            var info = stat()
            guard lstat("\(entry)/\(path)", &info) == 0 else { return "" }
            switch info.st_mode & S_IFMT {
            case S_IFDIR: return "d"
            case S_IFREG: return "f"
            case S_IFLNK: return "l"
            default: return "?"
            }
        }
        guard let stat = try? Tool.run("/usr/bin/rdsquashfs", ["-s", path, entry]) else { return "" }
        let type = stat.split(separator: "\n").first { $0.hasPrefix("Inode type:") } ?? ""
        if type.contains("directory") { return "d" }
        if type.contains("file") { return "f" }
        if type.contains("link") { return "l" }
        return "?"
    }
}

/// A meter that records what it was told.
private final class RecordingMeter: ConversionMeter, @unchecked Sendable {
    private let lock = NSLock()
    private(set) var events: [String] = []
    private(set) var progress: ConversionProgress?

    func started(_ progress: ConversionProgress) {
        lock.withLock {
            events.append("started")
            self.progress = progress
        }
    }

    func finished(_ progress: ConversionProgress) { lock.withLock { events.append("finished") } }
}
