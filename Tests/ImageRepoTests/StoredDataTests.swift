import CSquashfsWriter
import ChildProcess
import Foundation
import XCTest

@testable import ImageRepo

/// A stored image's file data (CSquashfsWriter's stored_data.c, which packs it on the caller's thread instead of
/// libsquashfs's block processor): every file reads back as written, through squashfs-tools' own reader; duplicate
/// block runs and tails are stored once; zero blocks are holes; and the image holds what libsquashfs makes of the
/// same files (a gzip image, packed by its block processor), compared by sqfsdiff.
final class StoredDataTests: XCTestCase {
    private static let block = 131_072
    private var output = ""

    override func setUp() async throws {
        output = try ConversionFixtures.scratch("stored-data")
    }

    override func tearDown() async throws {
        FileSystem.removeTree(output)
    }

    func testFilesReadBackAndDuplicatesAreStoredOnce() async throws {
        var random = SeededBytes(seed: 7)
        let b = Self.block
        let big = random.next(5 * b + 77)
        let single = random.next(b)
        var files: [(String, [UInt8])] = [
            ("empty", []), ("one", [0x41]), ("block", random.next(b)), ("block-plus", random.next(b + 1)),
            ("sparse-middle", random.next(b) + [UInt8](repeating: 0, count: b) + random.next(100)),
            ("zeros", [UInt8](repeating: 0, count: 2 * b + 500)),
            ("big", big), ("big-copy", big), ("big-other-tail", Array(big.prefix(5 * b)) + random.next(77)),
            // The run that matches "twice" overlaps it: "single"'s block, then twice's own first block.
            ("single", single), ("twice", single + single),
            // Many blocks of one hash (a disk image filled with a pattern), then a copy: one chain of 40 blocks.
            ("pattern", Array([[UInt8]](repeating: random.next(b), count: 40).joined())),
        ]
        files.append(("pattern-copy", files.last!.1))
        // More tails than one fragment block holds, some of them repeated.
        let tails = (0..<1500).map { _ in random.next(100) }
        files += tails.enumerated().map { ("tails/\($0.offset)", $0.element) }
        files += (0..<20).map { ("tails/copy-\($0)", tails[$0 * 70]) }

        let stored = output + "/stored.sqfs"
        let packed = output + "/libsquashfs.sqfs"
        try write(files, to: stored, compression: Int32(PCOCC_SQFS_STORED))
        try write(files, to: packed, compression: Int32(PCOCC_SQFS_GZIP))

        // squashfs-tools reads back every byte.
        let extracted = output + "/extracted"
        try await ChildProcess.checked("unsquashfs", ["-no-xattrs", "-quiet", "-no-progress", "-d", extracted, stored])
        for (name, content) in files {
            let read = try XCTUnwrap(FileManager.default.contents(atPath: extracted + "/" + name), name)
            XCTAssertEqual(read.count, content.count, name)
            XCTAssertTrue(read.elementsEqual(content), "\(name) reads back different bytes")
        }
        // The same files as libsquashfs's block processor packs them.
        let diff = try await ChildProcess.run("sqfsdiff", ["-a", stored, "-b", packed])
        XCTAssertEqual(diff.status, 0, diff.outputString + diff.errorTail)

        // Packed where libsquashfs packs them: the same block sizes and fragments, every data block at the same
        // place (libsquashfs's image starts a few bytes later, with gzip's options; random data never compresses).
        var shift: Int?
        for name in files.map(\.0) where !name.hasPrefix("tails/") || name.hasSuffix("9") {
            let (ours, reference) = (try data(stored, name), try data(packed, name))
            XCTAssertEqual(ours.fragment, reference.fragment, name)
            XCTAssertEqual(ours.blockSizes, reference.blockSizes, name)
            guard ours.blocksStart != "0", let a = Int(ours.blocksStart), let b = Int(reference.blocksStart) else {
                XCTAssertEqual(ours.blocksStart, reference.blocksStart, name)
                continue
            }
            shift = shift ?? b - a
            XCTAssertEqual(b - a, shift, name)
        }

        // Stored once: a copy points at the first's blocks and fragment; a different tail is a fragment of its own.
        let (bigData, copyData, otherTail) = (
            try data(stored, "big"), try data(stored, "big-copy"),
            try data(stored, "big-other-tail")
        )
        XCTAssertEqual(bigData.blocksStart, copyData.blocksStart)
        XCTAssertEqual(bigData.fragment, copyData.fragment)
        XCTAssertEqual(bigData.blocksStart, otherTail.blocksStart)
        XCTAssertNotEqual(bigData.fragment, otherTail.fragment)
        XCTAssertEqual(try data(stored, "tails/copy-3").fragment, try data(stored, "tails/210").fragment)
        XCTAssertEqual(try data(stored, "twice").blocksStart, try data(stored, "single").blocksStart)
        XCTAssertEqual(try data(stored, "pattern-copy").blocksStart, try data(stored, "pattern").blocksStart)
        // Zero blocks take no space: the middle block of sparse-middle and the whole of "zeros".
        XCTAssertEqual(try data(stored, "sparse-middle").blockSizes.map { $0 == 0 }, [false, true])
        XCTAssertEqual(try data(stored, "zeros").blockSizes, [0, 0, 0])
        // Data: block, block-plus, sparse-middle, big, single, twice's second, pattern; fragments: about 1,520 tails
        // of 100 bytes and 5 more. Everything else is metadata, well under a block.
        let dataBlocks = 1 + 1 + 1 + 5 + 1 + 1 + 40
        let size = try XCTUnwrap(FileSystem.fileSize(stored))
        XCTAssertLessThan(size, Int64(dataBlocks * b + 1600 * 100 + 3 * b))
        XCTAssertGreaterThan(size, Int64(dataBlocks * b + 1500 * 100))
    }

    /// Writes `files` in order, each in three uneven pieces (the flattener hands data over as it arrives).
    private func write(_ files: [(String, [UInt8])], to path: String, compression: Int32) throws {
        let fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        XCTAssertGreaterThanOrEqual(fd, 0)
        var message = [CChar](repeating: 0, count: 512)
        let writer = try XCTUnwrap(pcocc_sqfs_open(fd, compression, 1, &message, message.count))
        defer { pcocc_sqfs_close(writer) }
        func check(_ status: Int32) throws {
            guard status == 0 else { throw ConversionError(.io, String(cString: pcocc_sqfs_error(writer))) }
        }
        for (name, content) in files {
            try check(
                pcocc_sqfs_begin(
                    writer, name, name.utf8.count, Int32(PCOCC_SQFS_REGULAR), 0o644, 0, 0, 0, nil, 0, 0, 0))
            let cuts = [
                0, content.count / 3, min(content.count, content.count / 3 + content.count / 5 + 1), content.count,
            ]
            for (start, end) in zip(cuts, cuts.dropFirst()) where start < end {
                try check(content[start..<end].withUnsafeBytes { pcocc_sqfs_data(writer, $0.baseAddress, $0.count) })
            }
            try check(pcocc_sqfs_end(writer))
        }
        try check(pcocc_sqfs_finish(writer))
    }

    private struct FileData {
        var blocksStart = ""
        var fragment = ""
        var blockSizes: [Int] = []
    }

    /// Where `rdsquashfs -s` says a file's data lies.
    private func data(_ image: String, _ name: String) throws -> FileData {
        var result = FileData()
        // "Blocks start: N", "Fragment index: 0xN", "Fragment offset: N", then "\tBlock #I size: N (uncompressed)".
        for line in try Tool.run("/usr/bin/rdsquashfs", ["-s", name, image]).split(separator: "\n") {
            if line.hasPrefix("Blocks start: ") { result.blocksStart = String(line.dropFirst(14)) }
            if line.hasPrefix("Fragment index: ") || line.hasPrefix("Fragment offset: ") {
                result.fragment += String(line) + ";"
            }
            if line.hasPrefix("\tBlock #"),
                let size = line.split(separator: " ").dropFirst(3).first.flatMap({ Int($0) })
            {
                result.blockSizes.append(size)
            }
        }
        return result
    }
}

/// Deterministic bytes that no compressor shrinks.
private struct SeededBytes {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next(_ count: Int) -> [UInt8] {
        (0..<count).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: state >> 56)
        }
    }
}
