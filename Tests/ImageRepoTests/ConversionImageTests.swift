import ChildProcess
import Foundation
import XCTest

@testable import ImageRepo

/// A runnable single-layer image, choosing a manifest, and the layouts the builder must refuse with a clear error.
final class ConversionImageTests: XCTestCase {
    private var output = ""

    override func setUp() async throws {
        output = try ConversionFixtures.scratch("image")
    }

    override func tearDown() async throws {
        try? FileManager.default.removeItem(atPath: output)
    }

    func testBusyboxImageRunsFromTheSquashfs() async throws {
        let layout = try await ConversionFixtures.directory() + "/busybox"
        let image = output + "/busybox.sqfs"
        let stats = try await SquashfsBuilder.build(layout: layout, manifestDigest: nil, output: image)
        let differences = try await ConversionFixtures.differences(layout: layout, image: image)
        XCTAssertEqual(differences, "")
        // bin, busybox and 3 applets: the root is the writer's own (docker ignores the layer's), nothing added.
        XCTAssertEqual(stats.entries, 5)
        XCTAssertEqual(stats.layers, 1)
        // The binary that comes out of the squashfs runs.
        let binary = output + "/busybox"
        let copy = try await ChildProcess.checked("rdsquashfs", ["-c", "bin/busybox", image])
        try copy.output.write(to: URL(fileURLWithPath: binary))
        chmod(binary, 0o755)
        let echo = try await ChildProcess.checked(binary, ["echo", "hello from the image"])
        XCTAssertEqual(echo.outputString, "hello from the image\n")
    }

    func testManifestNamedByDigestInALayoutOfTwoImages() async throws {
        let directory = try await ConversionFixtures.directory()
        let layout = directory + "/two"
        do {
            _ = try await SquashfsBuilder.build(layout: layout, manifestDigest: nil, output: output + "/x.sqfs")
            XCTFail("a layout of two images needs a manifest digest")
        } catch {
            XCTAssertEqual(error.code, .badLayout)
            XCTAssertTrue(error.message.contains("2 manifests"), error.message)
        }
        let digest = try String(contentsOfFile: layout + "/manifest-digest", encoding: .utf8)
        let image = output + "/two.sqfs"
        _ = try await SquashfsBuilder.build(layout: layout, manifestDigest: digest, output: image)
        let differences = try await ConversionFixtures.differences(layout: directory + "/multi", image: image)
        XCTAssertEqual(differences, "")
    }

    func testRefusedLayoutsSayWhyAndLeaveNothing() async throws {
        let directory = try await ConversionFixtures.directory()
        let cases: [(String, ConversionError.Code, String)] = [
            ("broken-link", .brokenHardLink, "'a/link' is a hard link to 'a/missing'"),
            ("bad-media", .unsupportedLayer, "tar+bzip2"),
            ("corrupt", .damagedBlob, "the gzip data is cut short"),
            ("missing", .badLayout, "index"),
        ]
        for (name, code, text) in cases {
            do {
                _ = try await SquashfsBuilder.build(
                    layout: directory + "/" + name, manifestDigest: nil, output: output + "/x.sqfs")
                XCTFail("\(name) was converted")
            } catch {
                XCTAssertEqual(error.code, code, "\(name): \(error)")
                XCTAssertTrue(error.description.contains(text), "\(name): \(error)")
            }
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: output), [])
    }

    func testSquashfsWriterFailureIsReportedWithItsMessage() async throws {
        let layout = try await ConversionFixtures.directory() + "/busybox"
        do {
            _ = try await SquashfsBuilder.build(
                layout: layout, manifestDigest: nil, output: output + "/no/such/dir/x.sqfs")
            XCTFail("converted into a missing directory")
        } catch {
            XCTAssertEqual(error.code, .io, "\(error)")
            XCTAssertTrue(error.description.contains("Cannot create the squashfs"), "\(error)")
            XCTAssertTrue(error.description.contains("No such file or directory"), "\(error)")
        }
    }

    func testCancellationStopsTheConversion() async throws {
        let layout = try await ConversionFixtures.directory() + "/multi"
        let image = output + "/c.sqfs"
        let task = Task { try await SquashfsBuilder.build(layout: layout, manifestDigest: nil, output: image) }
        task.cancel()
        do {
            _ = try await task.value
        } catch let error as ConversionError {
            XCTAssertEqual(error.code, .cancelled)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: image))
    }
}
