import ChildProcess
import Foundation
import XCTest

@testable import ImageRepo

/// The cache entries pcocc runs from: the bundle (config.json + rootfs/), pcocc's squashfs format and mount points,
/// and the flat driver's extracted directory.
final class BundleFormatTests: XCTestCase {
    private var output = ""

    override func setUp() async throws {
        output = try ConversionFixtures.scratch("bundle")
    }

    override func tearDown() async throws {
        FileSystem.removeTree(output)
    }

    /// Ours beside `mksquashfs` with pcocc's flags run on the same bundle extracted to disk: the same compressor and
    /// flags, the same names, modes and (squashed) owners.
    func testSquashfsBundleIsWhatPcoccsMksquashfsMakes() async throws {
        let layout = try await ConversionFixtures.directory() + "/busybox"
        let ours = output + "/ours.sqfs"
        _ = try await SquashfsBuilder.build(
            layout: layout, output: ours, shape: .pcoccBundle(mountPoints: ["/scratch/", "/opt/app/data"]))
        let extracted = output + "/bundle"
        try FileManager.default.createDirectory(atPath: extracted, withIntermediateDirectories: true)
        try await ChildProcess.checked(
            "/bin/sh", ["-c", "sqfs2tar \"$1\" | tar -xf - -C \"$2\"", "sh", ours, extracted])
        let reference = output + "/pcocc.sqfs"
        try await ChildProcess.checked(
            "mksquashfs",
            [
                extracted, reference, "-noappend", "-all-root", "-noDataCompression", "-noInodeCompression",
                "-noFragmentCompression", "-noXattrCompression", "-quiet", "-no-progress",
            ])
        let (oursSuper, referenceSuper) = (try await superBlock(ours), try await superBlock(reference))
        XCTAssertEqual(oursSuper, referenceSuper)
        let (oursListing, referenceListing) = (try await listing(ours), try await listing(reference))
        XCTAssertEqual(oursListing, referenceListing)
        let names = oursListing.map(\.name)
        for name in [
            "config.json", "rootfs/bin/busybox", "rootfs/etc/resolv.conf", "rootfs/etc/group", "rootfs/etc/passwd",
            "rootfs/scratch", "rootfs/opt/app/data",
        ] {
            XCTAssertTrue(names.contains(name), "\(name) is missing from \(names)")
        }
        // Nothing compressed: the image holds busybox's bytes as they are.
        let busybox = try XCTUnwrap(FileSystem.fileSize("/usr/bin/busybox"))
        XCTAssertGreaterThan(try XCTUnwrap(FileSystem.fileSize(ours)), busybox)
        let stored = try Data(contentsOf: URL(fileURLWithPath: ours))
        XCTAssertNotNil(
            stored.range(of: try Data(contentsOf: URL(fileURLWithPath: "/usr/bin/busybox")).prefix(200_000)))
    }

    func testCompressionIsAnOption() async throws {
        let layout = try await ConversionFixtures.directory() + "/busybox"
        let cases: [(String, SquashfsCompression, String)] = [
            ("gzip", .gzip(level: nil), "gzip"), ("zstd:3", .zstd(level: 3), "zstd"), ("none", .stored, "gzip"),
        ]
        for (text, compression, compressor) in cases {
            let image = output + "/\(text).sqfs"
            _ = try await SquashfsBuilder.build(
                layout: layout, output: image, shape: .pcoccBundle(), compression: compression)
            let summary = try await ChildProcess.checked("unsquashfs", ["-s", image]).outputString
            XCTAssertTrue(summary.contains("Compression \(compressor)"), "\(text): \(summary)")
            XCTAssertEqual(summary.contains("Data is uncompressed"), text == "none", "\(text): \(summary)")
            XCTAssertEqual(try Tool.run("/usr/bin/rdsquashfs", ["-c", "rootfs/bin/busybox", image]).count > 0, true)
        }
    }

    /// config.json byte for byte as pcocc's `OciImageConfig.gen_runtime_config` writes it.
    func testRuntimeConfigIsPcoccs() throws {
        let reference = #"""
            import json, sys
            data = json.loads(sys.argv[1])
            def get(key):
                return data["config"][key] if key in data["config"] else None
            config = {"ociVersion": "0.1.0", "root": {"path": "rootfs"}}
            process = config.setdefault("process", {})
            process["cwd"] = get("WorkingDir") if get("WorkingDir") else "/"
            if get("Env"):
                process["env"] = get("Env")
            if get("Cmd"):
                process["args"] = get("Cmd")
            if get("Entrypoint"):
                process["entrypoint"] = get("Entrypoint")
            sys.stdout.write(json.dumps(config))
            """#
        let configs = [
            #"{"config": {}}"#,
            #"{"architecture": "amd64", "config": {"Cmd": ["echo", "Hello Pcocc"], "Env": ["PATH=/bin", "LANG=C.UTF-8"]}}"#,
            #"{"config": {"WorkingDir": "", "Cmd": [], "Entrypoint": ["/init", "--\u00e9t\u00e9"], "Env": null}}"#,
            #"{"config": {"WorkingDir": "/srv/app", "Cmd": ["a\"b", "\\", "\t"], "Labels": {"x": "y"}}}"#,
        ]
        for config in configs {
            let ours = try RuntimeConfig.json(imageConfig: Array(config.utf8), image: "test")
            XCTAssertEqual(String(decoding: ours, as: UTF8.self), try Tool.python(reference, [config]), config)
        }
        XCTAssertThrowsError(try RuntimeConfig.json(imageConfig: Array("[1]".utf8), image: "test"))
    }

    /// Mount points are made only where missing, with their parents; a path under a non-directory is skipped, and a
    /// path climbing out of the image is refused.
    func testMountPoints() async throws {
        let layout = try await ConversionFixtures.directory() + "/multi"
        let image = output + "/multi.sqfs"
        _ = try await SquashfsBuilder.build(
            layout: layout, output: image,
            shape: .pcoccBundle(mountPoints: ["/etc/passwd", "/data/", "/a/b/c", "sym/rel/x", "/d2f/y", "/over/file/"]))
        let files = try BundleFiles(image)
        XCTAssertEqual(try files.read("rootfs/etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n")  // the image's, kept
        XCTAssertEqual(try files.kind("rootfs/etc/resolv.conf"), "f")
        XCTAssertEqual(try files.kind("rootfs/data"), "d")
        XCTAssertEqual(try files.kind("rootfs/a/b"), "d")
        XCTAssertEqual(try files.kind("rootfs/a/b/c"), "f")
        XCTAssertEqual(try files.kind("rootfs/sym/rel"), "l")  // a link: nothing made through it
        XCTAssertEqual(try files.kind("rootfs/d2f"), "f")  // a file: nothing made under it
        XCTAssertEqual(try files.kind("rootfs/over/file"), "f")  // exists, though not as a directory: left alone
        let listing = try await ChildProcess.checked("rdsquashfs", ["-l", "rootfs/sym", image]).outputString
        XCTAssertFalse(listing.split(separator: "\n").contains { $0.hasSuffix(" x") }, listing)
        do {
            _ = try await SquashfsBuilder.build(
                layout: layout, output: output + "/bad.sqfs", shape: .pcoccBundle(mountPoints: ["/../escape"]))
            XCTFail("a mount point outside the image was accepted")
        } catch {
            XCTAssertEqual(error.code, .badConfiguration)
            XCTAssertTrue(error.message.contains("/../escape"), error.message)
        }
        XCTAssertFalse(FileSystem.exists(output + "/bad.sqfs"))
    }

    /// The flat driver's bundle, compared file by file with the model, as an unprivileged user's extraction can
    /// make it (devices skipped, owners the user's, user.* xattrs).
    func testFlatBundleMatchesTheModel() async throws {
        let layout = try await ConversionFixtures.directory() + "/multi"
        let directory = output + "/flat"
        let stats = try await BundleDirectoryBuilder.build(
            try OCILayout(directory: layout), output: directory, shape: .rootFileSystem)
        let differences = try await ConversionFixtures.differences(layout: layout, image: directory)
        XCTAssertEqual(differences, "")
        XCTAssertEqual(stats.skipped, 2)  // dev/null and dev/sda
        // Read-only directories were made writable for the build only.
        var info = stat()
        XCTAssertEqual(lstat(directory + "/meta", &info), 0)
        XCTAssertEqual(info.st_mode & 0o7777, 0o750)
    }

    /// Run by an ordinary user (nobody), the flat bundle still gets directories its owner cannot write or enter,
    /// and files it cannot read: they are made 0700/0600 while the tree is built and get their modes at the end.
    func testFlatBundleOfAnOrdinaryUserKeepsRestrictiveModes() async throws {
        let binary = URL(fileURLWithPath: ProcessInfo.processInfo.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("pcocc-docker").path
        guard getuid() == 0, FileManager.default.isExecutableFile(atPath: binary), let nobody = getpwnam("nobody")
        else {
            throw XCTSkip("needs root, the nobody account and the pcocc-docker binary beside the tests")
        }
        let tar = output + "/modes.tar"
        _ = try Tool.python(
            #"""
            import io, sys, tarfile
            with tarfile.open(sys.argv[1], "w", format=tarfile.PAX_FORMAT) as t:
                for name, kind, mode in [("./", tarfile.DIRTYPE, 0o555), ("ro/", tarfile.DIRTYPE, 0o555),
                                         ("ro/sub/", tarfile.DIRTYPE, 0o500), ("ro/sub/secret", tarfile.REGTYPE, 0o400),
                                         ("closed/", tarfile.DIRTYPE, 0o000), ("closed/f", tarfile.REGTYPE, 0o000)]:
                    ti = tarfile.TarInfo(name)
                    ti.type, ti.mode, ti.mtime = kind, mode, 1700000000
                    data = b"x" if kind == tarfile.REGTYPE else b""
                    ti.size = len(data)
                    t.addfile(ti, io.BytesIO(data))
            """#, [tar])
        let layout = output + "/layout"
        _ = try HandMadeLayout.write(at: layout, layers: [try Data(contentsOf: URL(fileURLWithPath: tar))])
        let work = output + "/work"
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        chown(work, nobody.pointee.pw_uid, nobody.pointee.pw_gid)
        chmod(output, 0o755)
        let run = try await ChildProcess.run(
            "runuser",
            [
                "-u", "nobody", "--", binary, "internal", "squashfs", "--driver", "flat", "--layout", layout,
                "--output", work + "/bundle",
            ])
        XCTAssertEqual(run.status, 0, run.errorTail)
        // The layer's "./" is ignored, as docker ignores it: a container's root is 0755.
        for (path, mode) in [
            ("", 0o755), ("rootfs", 0o755), ("rootfs/ro", 0o555), ("rootfs/ro/sub", 0o500),
            ("rootfs/ro/sub/secret", 0o400), ("rootfs/closed", 0o000), ("rootfs/closed/f", 0o000),
        ] {
            var info = stat()
            XCTAssertEqual(lstat("\(work)/bundle/\(path)", &info), 0, path)
            XCTAssertEqual(info.st_mode & 0o7777, mode_t(mode), path)
            XCTAssertEqual(info.st_uid, nobody.pointee.pw_uid, path)
        }
        XCTAssertEqual(try String(contentsOfFile: work + "/bundle/rootfs/ro/sub/secret", encoding: .utf8), "x")
    }

    /// An output path that exists (a planted symbolic link, a finished entry) is never written through or replaced.
    func testExistingOutputIsNeverReplaced() async throws {
        let layout = try await ConversionFixtures.directory() + "/busybox"
        let victim = output + "/victim"
        try Data("precious".utf8).write(to: URL(fileURLWithPath: victim))
        let planted = output + "/planted.sqfs"
        XCTAssertEqual(symlink(victim, planted), 0)
        do {
            _ = try await SquashfsBuilder.build(layout: layout, output: planted)
            XCTFail("a squashfs was written over a symbolic link")
        } catch {
            XCTAssertEqual(error.code, .alreadyExists, "\(error)")
        }
        XCTAssertEqual(try String(contentsOfFile: victim, encoding: .utf8), "precious")
        let directory = output + "/exists"
        try FileManager.default.createDirectory(atPath: directory + "/inside", withIntermediateDirectories: true)
        do {
            _ = try await BundleDirectoryBuilder.build(
                try OCILayout(directory: layout), output: directory, shape: .pcoccBundle())
            XCTFail("a bundle replaced a directory")
        } catch {}
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory), ["inside"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: output).filter { $0.hasPrefix(".") }, [])
    }

    // MARK: - Helpers

    /// The super block as `unsquashfs -s` describes it, without the lines that depend on the content.
    private func superBlock(_ image: String) async throws -> [String] {
        let summary = try await ChildProcess.checked("unsquashfs", ["-s", image]).outputString
        return summary.split(separator: "\n").map(String.init).filter {
            $0.hasPrefix("Compression") || $0.hasSuffix("compressed") || $0.hasPrefix("Block size")
        }
    }

    struct Line: Equatable {
        let permissions: String
        let owner: String
        let name: String
    }

    /// `unsquashfs -lln`: permissions, numeric owner and name of every entry (sizes and times differ by tool).
    private func listing(_ image: String) async throws -> [Line] {
        let text = try await ChildProcess.checked("unsquashfs", ["-lln", image]).outputString
        return text.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 6, let name = fields.last(where: { $0.hasPrefix("squashfs-root") }) else {
                return nil
            }
            return Line(
                permissions: String(fields[0]), owner: String(fields[1]),
                name: String(name.dropFirst("squashfs-root/".count)))
        }.filter { !$0.name.isEmpty }
    }
}
