import Foundation
import XCTest

@testable import ImageRepo

/// The tar writer and reader on their own: what the writer emits for tar2sqfs, the reader reads back unchanged.
final class ConversionTarTests: XCTestCase {
    private func roundTrip(_ entries: [(TarEntry, [UInt8])]) throws -> [(LayerEntry, [UInt8])] {
        let path = NSTemporaryDirectory() + "pcocc-docker-tar-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        defer { unlink(path) }
        // The writer takes content from a reader: feed it from a first tar written the same way, entry by entry.
        var source: [UInt8] = []
        for (entry, content) in entries {
            var header = entry
            header.size = content.count
            source += TarHeaderBlock.make(
                name: Array("c".utf8), typeflag: UInt8(ascii: "0"), mode: 0o644, uid: 0, gid: 0, size: content.count,
                mtime: 0)
            source += content + [UInt8](repeating: 0, count: (512 - content.count % 512) % 512)
        }
        let sourcePath = path + ".src"
        defer { unlink(sourcePath) }
        try Data(source + [UInt8](repeating: 0, count: 1024)).write(to: URL(fileURLWithPath: sourcePath))
        let sourceFD = open(sourcePath, O_RDONLY)
        defer { close(sourceFD) }
        let contentReader = TarReader(ByteReader(fd: sourceFD, name: "source"))

        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let writer = TarWriter(ByteWriter(fd: fd, name: "file"))
        for (entry, content) in entries {
            _ = try contentReader.next()
            var entry = entry
            entry.size = content.count
            try writer.write(entry, contentFrom: contentReader)
        }
        try writer.finish()
        close(fd)

        let readFD = open(path, O_RDONLY)
        defer { close(readFD) }
        let reader = TarReader(ByteReader(fd: readFD, name: "file"))
        var result: [(LayerEntry, [UInt8])] = []
        while let entry = try reader.next() {
            var content: [UInt8] = []
            try reader.forwardContent { content.append(contentsOf: $0) }
            result.append((entry, content))
        }
        return result
    }

    func testLongNamesBigIdsXattrsAndDevicesSurvive() throws {
        var file = TarEntry(
            path: Array(("dir/" + String(repeating: "f", count: 200)).utf8), kind: .regular, mode: 0o4755)
        file.uid = 3_000_000
        file.gid = 70_000
        file.mtime = 1_700_000_000
        file.xattrs = [(Array("security.capability".utf8), [1, 0, 0, 2, 0xff]), (Array("user.x".utf8), [0, 0x80])]
        var link = TarEntry(path: Array("l".utf8), kind: .symbolicLink, mode: 0o777)
        link.linkTarget = Array(("/" + String(repeating: "t", count: 180)).utf8)
        var device = TarEntry(path: Array("dev/sda".utf8), kind: .blockDevice, mode: 0o660)
        device.deviceMajor = 8
        device.deviceMinor = 17
        let root = TarEntry(path: [], kind: .directory, mode: 0o755)
        let content = (0..<3000).map { UInt8(truncatingIfNeeded: $0) }
        let back = try roundTrip([(root, []), (file, content), (link, []), (device, [])])
        XCTAssertEqual(back.count, 4)
        XCTAssertEqual(back[0].0.name, Array("./".utf8))
        XCTAssertEqual(back[1].0.name, file.path)
        XCTAssertEqual(
            [back[1].0.uid, back[1].0.gid, back[1].0.mtime, back[1].0.mode], [3_000_000, 70_000, 1_700_000_000, 0o4755])
        XCTAssertEqual(back[1].1, content)
        XCTAssertEqual(back[1].0.xattrs.map(\.name), [Array("security.capability".utf8), Array("user.x".utf8)])
        XCTAssertEqual(back[1].0.xattrs.map(\.value), [[1, 0, 0, 2, 0xff], [0, 0x80]])
        XCTAssertEqual(back[2].0.linkName, link.linkTarget)
        XCTAssertEqual([back[3].0.deviceMajor, back[3].0.deviceMinor], [8, 17])
    }

    func testBufferedAndDirectWritesKeepTheirOrder() throws {
        let path = NSTemporaryDirectory() + "pcocc-docker-writer-\(getpid())"
        defer { unlink(path) }
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let writer = ByteWriter(fd: fd, name: "file", capacity: 1024)
        let pieces: [[UInt8]] = [
            [1, 2, 3], [UInt8](repeating: 4, count: 600), [5], [UInt8](repeating: 6, count: 1000), [7],
        ]
        for piece in pieces { try writer.write(piece) }
        try writer.flush()
        close(fd)
        XCTAssertEqual(Array(try Data(contentsOf: URL(fileURLWithPath: path))), pieces.flatMap { $0 })
    }

    /// Go's filepath.Clean joined to the layer's root, as docker resolves names: ".." never leaves the root.
    func testPathsAreCleanedLikeGoAndClampedAtTheRoot() {
        XCTAssertEqual(TarPath.normalise(Array("./a//b/./c/".utf8)), Array("a/b/c".utf8))
        XCTAssertEqual(TarPath.normalise(Array("/".utf8)), [])
        XCTAssertEqual(TarPath.normalise(Array("a/../../etc".utf8)), Array("etc".utf8))
        XCTAssertEqual(TarPath.normalise(Array("../../x/./y/..".utf8)), Array("x".utf8))
        // "." (a relative name that cancels out) is skipped by docker; "/" and ".." are its root, which is not.
        XCTAssertTrue(TarPath.clean(Array("./".utf8)).isDot)
        XCTAssertTrue(TarPath.clean(Array("a/..".utf8)).isDot)
        XCTAssertTrue(TarPath.clean([]).isDot)
        XCTAssertFalse(TarPath.clean(Array("/".utf8)).isDot)
        XCTAssertFalse(TarPath.clean(Array("..".utf8)).isDot)
        // Go's own spelling, which tar-split compares to find a name twice.
        let spellings = ["/x", "../x", "a/../x", "./x/", "", "//a//b/..", "../a/../.."].map {
            String(decoding: TarPath.clean(Array($0.utf8)).goClean, as: UTF8.self)
        }
        XCTAssertEqual(spellings, ["/x", "../x", "x", "x", ".", "/a", "../.."])
    }

    func testBase256NumbersAreRead() throws {
        var block = [UInt8](repeating: 0, count: 512)
        block[108] = 0x80
        block[113] = 0x2d
        block[114] = 0xc6
        block[115] = 0xc0  // 3,000,000
        XCTAssertEqual(try TarHeaderBlock(block).number(108, 8), 3_000_000)
    }

    /// Go accepts the checksum as the sum of unsigned bytes or of signed ones (old writers), the field itself
    /// counted as spaces; anything else is not a header.
    func testChecksumIsTheUnsignedOrTheSignedSum() {
        var block = Craft.header("caf\u{E9}/\u{FF}")  // bytes from 0x80: the two sums differ
        let fields = Array(block[148..<156])
        var unsigned = 0
        var signed = 0
        for (index, byte) in block.enumerated() {
            let value = (148..<156).contains(index) ? 0x20 : byte
            unsigned += Int(value)
            signed += Int(Int8(bitPattern: value))
        }
        XCTAssertNotEqual(unsigned, signed)
        XCTAssertNotNil(TarHeaderBlock(block).format, "\(fields)")
        for (sum, valid) in [(unsigned, true), (signed, true), (unsigned + 1, false), (signed - 1, false)] {
            block.replaceSubrange(148..<156, with: Array((String(format: "%06o", sum) + "\0 ").utf8))
            XCTAssertEqual(TarHeaderBlock(block).format != nil, valid, "checksum \(sum)")
        }
    }

    func testPAXRecordLengthCountsItsOwnDigits() throws {
        // " path=" + 91 + "\n" is 98 bytes: "100" would make 101, so the length is 101.
        let record = PAXRecords.record("path", [UInt8](repeating: 0x61, count: 91))
        XCTAssertEqual(record.count, 101)
        XCTAssertTrue(record.starts(with: Array("101 path=".utf8)))
        let parsed = try PAXRecords.parse(record)
        XCTAssertEqual(parsed[Array("path".utf8)]?.count, 91)
    }
}
