import Foundation
import XCTest

@testable import ImageRepo

/// CLayerDecompressor through LayerBlobSource: every format gives back gzip's and zstd's own output, several
/// members or frames read as one stream, and a damaged blob is one clear error (never a short stream that the tar
/// reader would blame on the layer's contents).
final class LayerBlobSourceTests: XCTestCase {
    private var scratch: Scratch!
    /// 5 MiB, half of it incompressible: several chunks of the reading thread, and a stream it must wait on.
    private var data = Data()

    override func setUpWithError() throws {
        scratch = try Scratch()
        let random = try XCTUnwrap(FileHandle(forReadingAtPath: "/dev/urandom"))
        defer { try? random.close() }
        data = try XCTUnwrap(random.read(upToCount: 5 << 19)) + Data(repeating: 0x61, count: 5 << 19)
    }

    private func write(_ name: String, _ bytes: Data) throws -> String {
        let path = scratch.path + "/" + name
        try bytes.write(to: URL(fileURLWithPath: path))
        return path
    }

    private func compressed(_ tool: String, _ arguments: [String], _ bytes: Data) throws -> Data {
        let plain = try write("plain-\(UUID().uuidString)", bytes)
        let executable = try XCTUnwrap(Tool.which(tool), "\(tool) is missing: scripts/install-deps.sh installs it")
        try Tool.run(executable, arguments + [plain])
        let suffix = tool == "gzip" ? ".gz" : ".zst"
        defer { unlink(plain + suffix) }
        return try Data(contentsOf: URL(fileURLWithPath: plain + suffix))
    }

    private func layer(_ path: String, _ compression: OCILayout.Compression) throws -> OCILayout.Layer {
        let digest = try BlobDigest(String(repeating: "a", count: 64))
        return OCILayout.Layer(blob: OCILayout.Blob(digest: digest, size: 0, path: path), compression: compression)
    }

    private func readAll(_ path: String, _ compression: OCILayout.Compression) throws -> Data {
        let source = try LayerBlobSource(try layer(path, compression))
        var result = Data()
        while true {
            let chunk = try source.nextChunk()
            if chunk.isEmpty { return result }
            result.append(contentsOf: chunk)
        }
    }

    private func refusal(_ path: String, _ compression: OCILayout.Compression) -> ConversionError? {
        do {
            _ = try readAll(path, compression)
            return nil
        } catch {
            return error as? ConversionError
        }
    }

    func testEveryFormatReadsBackTheSameBytes() throws {
        let gzip = try compressed("gzip", ["-n", "-f"], data)
        let zstd = try compressed("zstd", ["-q", "-f"], data)
        XCTAssertEqual(try readAll(try write("plain", data), .none), data)
        XCTAssertEqual(try readAll(try write("one.gz", gzip), .gzip), data)
        XCTAssertEqual(try readAll(try write("one.zst", zstd), .zstd), data)
        // Concatenated members and frames are one stream, as gzip -dc, zstd -dc and Go's readers read them.
        XCTAssertEqual(try readAll(try write("two.gz", gzip + gzip), .gzip), data + data)
        XCTAssertEqual(try readAll(try write("two.zst", zstd + zstd), .zstd), data + data)
        XCTAssertEqual(try readAll(try write("empty", Data()), .none), Data())
    }

    func testDamagedBlobsAreRefusedWithTheReason() throws {
        let gzip = try compressed("gzip", ["-n", "-f"], data)
        let zstd = try compressed("zstd", ["-q", "-f"], data)
        var flipped = gzip
        flipped[gzip.count / 2] ^= 0xff
        var badCRC = gzip
        badCRC[gzip.count - 6] ^= 0x01
        let cases: [(String, Data, OCILayout.Compression, String)] = [
            ("cut.gz", gzip.prefix(gzip.count / 2), .gzip, "the gzip data is cut short"),
            ("flipped.gz", flipped, .gzip, "the gzip data is damaged"),
            ("crc.gz", badCRC, .gzip, "the gzip data is damaged (incorrect data check)"),
            ("trailing.gz", gzip + Data("junk".utf8), .gzip, "has data after the end of its gzip stream"),
            ("empty.gz", Data(), .gzip, "is empty, not gzip data"),
            ("cut.zst", zstd.prefix(zstd.count / 2), .zstd, "the zstd data is cut short"),
            ("trailing.zst", zstd + Data("junk".utf8), .zstd, "the zstd data is damaged"),
            ("empty.zst", Data(), .zstd, "is empty, not zstd data"),
        ]
        for (name, bytes, compression, text) in cases {
            let error = refusal(try write(name, bytes), compression)
            XCTAssertEqual(error?.code, .damagedBlob, "\(name): \(String(describing: error))")
            XCTAssertTrue(error?.message.contains(text) == true, "\(name): \(String(describing: error))")
            XCTAssertTrue(
                error?.message.hasPrefix("layer sha256:aaaa") == true, "\(name): \(String(describing: error))")
        }
    }

    func testAMissingBlobIsAnErrorNamingIt() throws {
        XCTAssertThrowsError(try LayerBlobSource(try layer(scratch.path + "/missing", .gzip))) { error in
            let error = error as? ConversionError
            XCTAssertEqual(error?.code, .io)
            XCTAssertEqual(error?.systemErrno, ENOENT)
            XCTAssertTrue(error?.message.contains("/missing") == true, "\(String(describing: error))")
        }
    }

    /// A second pass stops at its last wanted entry: the reading thread, blocked on a full queue, must end at once.
    func testStoppingEarlyEndsTheReadingThread() throws {
        let path = try write("big", data + data + data)
        for _ in 0..<20 {
            let source = try LayerBlobSource(try layer(path, .none))
            XCTAssertFalse(try source.nextChunk().isEmpty)
            source.stop()
            XCTAssertTrue(try source.nextChunk().isEmpty)
        }
    }
}
