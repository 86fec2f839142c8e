import ChildProcess
import Foundation
import XCTest

@testable import ImageRepo

/// Flattening real multi-layer images: every case pcocc's own extraction gets wrong, compared file by file with a
/// model of what an extracting runtime produces (see ConversionFixtureScript). Runs as root or not: the result is the
/// same, since tar2sqfs never creates the files.
final class ConversionLayerTests: XCTestCase {
    private var output = ""

    override func setUp() async throws {
        output = try ConversionFixtures.scratch("layers")
    }

    override func tearDown() async throws {
        try? FileManager.default.removeItem(atPath: output)
    }

    private func convert(_ name: String) async throws -> (stats: ConversionStats, image: String, layout: String) {
        let layout = try await ConversionFixtures.directory() + "/" + name
        let image = output + "/\(name).sqfs"
        let stats = try await SquashfsBuilder.build(layout: layout, manifestDigest: nil, output: image)
        return (stats, image, layout)
    }

    func testMultiLayerImageMatchesTheModelFileByFile() async throws {
        let (stats, image, layout) = try await convert("multi")
        let differences = try await ConversionFixtures.differences(layout: layout, image: image)
        XCTAssertEqual(differences, "", "squashfs differs from the expected tree")
        XCTAssertEqual(stats.layers, 3)
        XCTAssertGreaterThan(stats.bytesIn, 5 << 20)
        // No temporary file left beside the output.
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: output), ["multi.sqfs"])
    }

    /// The same cases, stated directly, so that a mistake shared by the model and the flattener still shows.
    func testTheHardCasesExplicitly() async throws {
        let (_, image, _) = try await convert("multi")
        let listing = try await ConversionFixtures.listing(image)
        let entries = listing.entries
        let names = Set(entries.keys)
        // Whiteouts of a file and of a directory; a directory deleted then re-created keeps none of its old children.
        XCTAssertFalse(names.contains("del/file"))
        XCTAssertTrue(names.contains("del/kept"))
        XCTAssertTrue(names.filter { $0.hasPrefix("deldir") }.isEmpty)
        XCTAssertEqual(names.filter { $0.hasPrefix("recreated/") }, ["recreated/new"])
        // Opaque directory: the upper layer's children only, its own metadata.
        XCTAssertEqual(names.filter { $0.hasPrefix("opq/") }, ["opq/upper"])
        XCTAssertEqual(entries["opq"]?.mode, 0o775)
        // A file replaced by a directory, a directory replaced by a file.
        XCTAssertEqual(entries["f2d"]?.type, "d")
        XCTAssertEqual(entries["f2d/child"]?.type, "f")
        XCTAssertEqual(entries["d2f"]?.type, "f")
        XCTAssertTrue(names.filter { $0.hasPrefix("d2f/") }.isEmpty)
        // The highest layer's directory metadata wins.
        XCTAssertEqual(entries["meta"].map { [$0.mode, $0.uid] }, [0o750, 2])
        // Hard links: within a layer, across layers, and to a target a higher layer deleted or replaced.
        XCTAssertTrue(listing.hardlinks.contains(["hl/a", "hl/b", "hl/c"]))
        XCTAssertTrue(listing.hardlinks.contains(["hl3/target", "hl3/xlink"]))
        XCTAssertTrue(listing.hardlinks.contains(["hl2/link1", "hl2/link2"]))
        XCTAssertTrue(listing.hardlinks.contains(["hl7/l0", "hl7/l1"]))
        XCTAssertFalse(names.contains("hl2/target"))
        let t2 = try await ConversionFixtures.sha256("T2")
        XCTAssertEqual(
            entries["hl2/link1"].map { [$0.sha256, "\($0.mode)", "\($0.uid)", "\($0.gid)"] },
            [t2, "\(0o4755)", "1234", "5678"])
        XCTAssertEqual(entries["hl2/link1"]?.xattrs, ["user.t": "7432"])
        let t4 = try await ConversionFixtures.sha256("T4")
        XCTAssertEqual(entries["hl4/xlink"]?.sha256, t4)
        let t5 = try await ConversionFixtures.sha256("T5")
        let new5 = try await ConversionFixtures.sha256("NEW5")
        XCTAssertEqual([entries["hl5/xlink"]?.sha256, entries["hl5/target"]?.sha256], [t5, new5])
        let t6 = try await ConversionFixtures.sha256("T6")
        XCTAssertEqual(entries["hl6/l"]?.sha256, t6)
        // Ownership, special bits, devices, fifos, xattrs (binary ones and capabilities).
        XCTAssertEqual(entries["own/file"].map { [$0.uid, $0.gid] }, [1234, 5678])
        XCTAssertEqual(entries["own/big"].map { [$0.uid, $0.gid] }, [3_000_000, 4_000_000])
        XCTAssertEqual(entries["own/gnubig"].map { [$0.uid, $0.gid] }, [3_000_001, 3_000_002])
        XCTAssertEqual(entries["modes/suid"]?.mode, 0o4755)
        XCTAssertEqual(entries["modes/sgid"]?.mode, 0o2755)
        XCTAssertEqual(entries["modes/sticky"]?.mode, 0o1777)
        XCTAssertEqual(entries["dev/null"].map { [$0.type, "\($0.dev)"] }, ["c", "[1, 3]"])
        XCTAssertEqual(entries["dev/sda"].map { [$0.type, "\($0.dev)"] }, ["b", "[8, 0]"])
        XCTAssertEqual(entries["dev/fifo"]?.type, "p")
        XCTAssertEqual(entries["x/file"]?.xattrs["user.bin"], "ff0080")
        XCTAssertEqual(entries["x/file"]?.xattrs["security.capability"], "0100000200040000000000000000000000000000")
        // Long names and long symlink targets, through PAX, GNU and ustar's prefix field.
        XCTAssertTrue(names.contains("long/" + String(repeating: "n", count: 120)))
        XCTAssertTrue(names.contains("long/gnu_" + String(repeating: "g", count: 110)))
        XCTAssertTrue(
            names.contains("ustar/" + String(repeating: "p", count: 90) + "/" + String(repeating: "q", count: 50)))
        XCTAssertEqual(entries["sym/abs_long"]?.link.count, 155)
        XCTAssertEqual(entries["large/blob"]?.size, 5 << 20)
        XCTAssertEqual(entries["empty/file"]?.size, 0)
        // The plain root file system has only what the layers have: pcocc's mount points belong to the bundle.
        XCTAssertNil(entries["etc/resolv.conf"])
        XCTAssertEqual(entries["etc/passwd"]?.size, 30)
    }
}
