import Foundation
import XCTest

@testable import ImageRepo

/// How docker (26.1; first established on 20.10: Go's archive/tar, moby's Unpack into overlay2, overlayfs) turns
/// layers into a tree, one rule per test, each measured against the daemon by the differential system test
/// (scripts/differential).
final class ConversionDockerRulesTests: XCTestCase {
    func testTheLastExtendedHeaderWinsAndAGlobalHeaderDropsIt() throws {
        let tree = try flattened(
            Craft.layer(
                Craft.pax([("path", "from-first"), ("uid", "7")]), Craft.pax([("SCHILY.xattr.user.k", "v")]),
                Craft.file("a", "A", uid: 3),
                Craft.pax([("path", "from-x")]), Craft.pax([("comment", "g")], type: "g"), Craft.file("b", "B")))
        XCTAssertEqual(tree["/a"]?.uid, 3, "the first 'x' is forgotten")
        XCTAssertEqual(tree["/a"]?.xattrs.map(\.name), [Array("user.k".utf8)])
        XCTAssertNotNil(tree["/b"], "a 'g' between an 'x' and its entry drops the 'x'")
        XCTAssertNil(tree["/from-x"])
    }

    func testGNULongNamesWinOverPAXPathsAndEmptyValuesKeepTheHeader() throws {
        let tree = try flattened(
            Craft.layer(
                Craft.pax([("path", "from-pax")]), Craft.longName("from-gnu"), Craft.file("ustar", "1"),
                Craft.pax([("path", ""), ("uid", ""), ("mtime", ""), ("SCHILY.xattr.user.empty", "")]),
                Craft.file("kept", "2", uid: 11, mtime: Craft.t0 + 5)))
        XCTAssertNotNil(tree["/from-gnu"])
        XCTAssertEqual(tree["/kept"].map { [$0.uid, $0.mtime] }, [11, Craft.t0 + 5])
        XCTAssertEqual(tree["/kept"]?.xattrs.map(\.name), [Array("user.empty".utf8)], "docker 26 sets empty ones")
        XCTAssertEqual(tree["/kept"]?.xattrs.first?.value, [])
    }

    func testSparseFilesExpandAndAMismatchIsRefused() throws {
        let map = Craft.padded(Array("2\n0\n5\n65536\n5\n".utf8)) + Array("helloworld".utf8)
        let tree = try flattened(
            Craft.layer(
                Craft.pax([
                    ("GNU.sparse.major", "1"), ("GNU.sparse.minor", "0"), ("GNU.sparse.name", "sparse"),
                    ("GNU.sparse.realsize", "70000"),
                ]),
                Craft.header("GNUSparseFile.0/x", size: map.count) + Craft.padded(map)))
        let content = try XCTUnwrap(tree.entries["/sparse"]?.content)
        XCTAssertEqual(content.count, 70000)
        XCTAssertEqual(Array(content[0..<5]), Array("hello".utf8))
        XCTAssertEqual(Array(content[65536..<65541]), Array("world".utf8))
        XCTAssertTrue(content[5..<65536].allSatisfy { $0 == 0 })
        let refused = try refusal(
            Craft.layer(
                Craft.pax([("GNU.sparse.size", "100"), ("GNU.sparse.numblocks", "1"), ("GNU.sparse.map", "0,5")]),
                Craft.file("mismatch", "helloworld")))
        XCTAssertTrue(refused.contains("'mismatch' has more data than its sparse map says"), refused)
    }

    func testNumbersAreReadLikeGo() throws {
        let tree = try flattened(
            Craft.layer(
                Craft.file("nul-inside", raw: [100: Array("0750\0xyz".utf8)]),
                Craft.file("wrapped", raw: [108: [0x80, 0, 0, 1, 0, 0, 0, 5]]),
                Craft.pax([("uid", "-1"), ("gid", "-5"), ("mtime", "10000000000")]), Craft.file("negative"),
                Craft.pax([("mtime", "-1.5")]), Craft.file("before-epoch")))
        XCTAssertEqual(tree["/nul-inside"]?.mode, 0o750)
        XCTAssertEqual(tree["/wrapped"]?.uid, 5, "lchown keeps 32 bits of 2^32 + 5")
        XCTAssertEqual(
            tree["/negative"].map { [$0.uid, $0.gid] }, [0, 4_294_967_291], "-1 leaves the owner as created")
        XCTAssertEqual(tree["/negative"]?.mtime, 0, "past what Go's Chtimes takes: the epoch")
        XCTAssertEqual(tree["/before-epoch"]?.mtime, 0)
        let refused = try refusal(Craft.layer(Craft.file("garbage", raw: [108: Array("12x4\0\0\0\0".utf8)])))
        XCTAssertTrue(
            refused.hasPrefix(
                "layer sha256:\(String(repeating: "0", count: 64)): entry 'garbage' has a numeric field that Go cannot read"
            ), refused)
    }

    func testAHardLinkHeaderSetsTheInodesMetadataAndDropsItsCapability() throws {
        let capability: [UInt8] = [1, 0, 0, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
        let tree = try flattened(
            Craft.layer(
                Craft.pax([("SCHILY.xattr.security.capability", capability), ("SCHILY.xattr.user.a", Array("1".utf8))]),
                Craft.file("target", "T", uid: 1),
                Craft.hardLink("link", "target", mode: 0o4750, uid: 2)))
        // One inode under two names: the first the layer made holds it.
        XCTAssertEqual(tree["/target"].map { [Int($0.mode), $0.uid] }, [0o4750, 2])
        XCTAssertEqual(tree["/target"]?.xattrs.map(\.name), [Array("user.a".utf8)])
        XCTAssertEqual(tree["/link"]?.linkTarget, Array("target".utf8))
    }

    func testHardLinksNeverLeaveTheirLayer() throws {
        let refused = try refusal(Craft.layer(Craft.file("lower", "L")), Craft.layer(Craft.hardLink("upper", "lower")))
        XCTAssertTrue(refused.contains("'upper' is a hard link to 'lower', which this layer does not have"), refused)
        // A link whose target a higher layer whites out keeps the content.
        let tree = try flattened(
            Craft.layer(Craft.file("t", "KEEP"), Craft.hardLink("l1", "t"), Craft.hardLink("l2", "t")),
            Craft.layer(Craft.whiteout(".wh.t")))
        XCTAssertNil(tree["/t"])
        XCTAssertEqual(tree.content("/l1"), "KEEP")
        XCTAssertEqual(tree["/l2"]?.linkTarget, Array("l1".utf8))
    }

    func testWhiteoutsAreOverlayWhiteouts() throws {
        let tree = try flattened(
            Craft.layer(Craft.dir("d"), Craft.file("d/lower", "x"), Craft.file("rootfile", "r"), Craft.file("x", "x")),
            Craft.layer(
                Craft.whiteout(".wh.d"), Craft.dir("d", mode: 0o700), Craft.file("d/upper", "y"),
                Craft.whiteout(".wh..wh..opq"), Craft.header("x", "3")))
        XCTAssertNotNil(tree["/d/lower"], "a directory re-added after its whiteout merges with the lower one")
        XCTAssertEqual(tree["/d"]?.mode, 0o700)
        XCTAssertNotNil(tree["/rootfile"], "overlayfs ignores an opaque root")
        XCTAssertNil(tree["/x"], "a 0/0 character device is a whiteout")
    }

    func testMissingParentsAndSymbolicLinksInsideALayer() throws {
        let tree = try flattened(
            Craft.layer(Craft.file("a", "file"), Craft.dir("m", mode: 0o700, uid: 5), Craft.file("m/lower")),
            Craft.layer(
                Craft.file("a/b", "child"), Craft.file("m/upper"),
                Craft.dir("target"), Craft.symlink("s", "/target"), Craft.file("s/f", "through")))
        XCTAssertEqual(tree["/a"].map { [$0.kind == .directory ? 1 : 0, Int($0.mode)] }, [1, 0o755])
        XCTAssertEqual(tree["/m"].map { [Int($0.mode), $0.uid] }, [0o755, 0], "a missing parent is made 0755 root")
        XCTAssertNotNil(tree["/m/lower"])
        XCTAssertEqual(
            tree.content("/target/f"), "through", "an entry under a symbolic link of its layer goes through it")
        let refused = try refusal(Craft.layer(Craft.file("file", "x"), Craft.file("file/child", "y")))
        XCTAssertTrue(refused.contains("(ENOTDIR)"), refused)
    }

    func testANameTwiceIsRefusedButASecondSpellingReplaces() throws {
        let refused = try refusal(Craft.layer(Craft.file("x", "a"), Craft.file("q/../x", "b")))
        XCTAssertTrue(refused.contains("the same name as an earlier entry"), refused)
        // "x" and "/x" differ for tar-split: docker writes both, the second over the first (a second read here).
        let tree = try flattened(
            Craft.layer(
                Craft.file("x", "first"), Craft.file("/x", "second", mode: 0o600),
                Craft.file("kept", "k"), Craft.hardLink("kept2", "/kept", mode: 0o640, uid: 9)))
        XCTAssertEqual(tree.content("/x"), "second")
        XCTAssertEqual(tree["/x"]?.mode, 0o600)
        XCTAssertEqual(tree["/kept"].map { [Int($0.mode), $0.uid] }, [0o640, 9])
    }

    func testExtendedAttributesTheKernelDropsRefusesOrASquashfsCannotHold() throws {
        let acl: [UInt8] = [
            2, 0, 0, 0, 1, 0, 7, 0, 255, 255, 255, 255, 2, 0, 5, 0, 232, 3, 0, 0,
            4, 0, 5, 0, 255, 255, 255, 255, 16, 0, 5, 0, 255, 255, 255, 255, 32, 0, 0, 0, 255, 255, 255, 255,
        ]
        let tree = try flattened(
            Craft.layer(
                Craft.pax([("SCHILY.xattr.user.u", "1"), ("SCHILY.xattr.trusted.t", "2")]), Craft.symlink("link", "t"),
                Craft.pax([("SCHILY.xattr.system.posix_acl_access", "")]), Craft.file("file")))
        XCTAssertEqual(tree["/link"]?.xattrs.map(\.name), [Array("trusted.t".utf8)], "no user attribute on a link")
        XCTAssertEqual(tree["/file"]?.xattrs.count, 0, "an empty ACL sets nothing")
        for name in ["foo.bar", "system.other"] {
            let unknown = try refusal(Craft.layer(Craft.pax([("SCHILY.xattr.\(name)", "1")]), Craft.file("f")))
            XCTAssertTrue(unknown.contains("EOPNOTSUPP"), unknown)
        }
        let extended = try refusal(
            Craft.layer(Craft.pax([("SCHILY.xattr.system.posix_acl_access", acl)]), Craft.file("f")))
        XCTAssertTrue(extended.contains("which a squashfs cannot hold"), extended)
        let full = try refusal(
            Craft.layer(Craft.pax([("SCHILY.xattr.user.big", String(repeating: "v", count: 4100))]), Craft.file("f")))
        XCTAssertTrue(full.contains("(ENOSPC)"), full)
    }

    func testHostileSizesAreRefusedWithoutTrapping() throws {
        let huge = try refusal(
            Craft.layer(Craft.pax([("comment", String(repeating: "c", count: 1 << 20))]), Craft.file("f")))
        XCTAssertTrue(huge.contains("over Go's limit of 1048576"), huge)
        let nearMax = try refusal(Craft.layer(Craft.pax([("size", String(Int64.max))]), Craft.file("f")))
        XCTAssertTrue(nearMax.contains("ends in the middle of entry 'f'"), nearMax)
        let longName = try refusal(
            Craft.layer(Craft.pax([("path", String(repeating: "n", count: 256))]), Craft.file("f")))
        XCTAssertTrue(longName.contains("a name over 255 bytes"), longName)
        // Many extended headers before one entry: each replaces the last, memory stays that of one.
        let many = (0..<2000).flatMap { Craft.pax([("comment\($0)", String(repeating: "c", count: 1000))]) }
        XCTAssertNotNil(try flattened(Craft.layer(many, Craft.file("f")))["/f"])
        var limits = ConversionLimits()
        limits.maximumFileSize = 1 << 20
        let sparse = Craft.pax([
            ("GNU.sparse.major", "0"), ("GNU.sparse.minor", "1"), ("GNU.sparse.size", "1099511627776"),
            ("GNU.sparse.numblocks", "0"), ("GNU.sparse.map", ""),
        ])
        guard case .failure(let error) = try flatten([Craft.layer(sparse, Craft.file("holes"))], limits: limits) else {
            return XCTFail("a 1 TiB hole over the limit was converted")
        }
        XCTAssertTrue(error.message.contains("is a sparse file of 1099511627776 bytes"), error.message)
    }
}
