import XCTest

@testable import ImageRepo

final class ExportOCILayoutTests: XCTestCase {
    func testSkopeoAcceptsTheExportedLayout() throws {
        guard let skopeo = Tool.which("skopeo") else { throw XCTSkip("skopeo is not installed") }
        let scratch = try Scratch()
        let repository = try Repository(name: "user", path: "\(scratch.path)/images")
        let temporary = try repository.makeTemporaryDirectory()
        let layers = try [
            HandMadeLayout.tarLayer(fileName: "a", content: "first", scratch: scratch.path),
            HandMadeLayout.tarLayer(fileName: "b", content: "second", scratch: scratch.path),
        ]
        let layout = try HandMadeLayout.write(at: "\(temporary.path)/oci", layers: layers)
        let image = try repository.storeOCILayout(
            at: layout.directory, as: "app", owner: "a", force: false, description: nil)
        let exported = "\(scratch.path)/exported"
        try repository.exportOCILayout(image, to: exported)
        XCTAssertEqual(
            inode("\(exported)/blobs/sha256/\(layout.config)"),
            inode(repository.dataObjectPath(BlobDigest(verifiedHex: layout.config))))

        let inspected = try PythonJSON.parse(try Tool.run(skopeo, ["inspect", "oci:\(exported):latest"]))
        XCTAssertEqual(inspected["Digest"]?.stringValue, "sha256:\(layout.manifest)")
        XCTAssertEqual(inspected["Layers"]?.arrayValue?.count, 2)
        // A copy re-reads and checks every blob against its digest.
        try Tool.run(skopeo, ["copy", "--quiet", "oci:\(exported):latest", "oci:\(scratch.path)/copy:latest"])
        withExtendedLifetime(temporary) {}
    }

    func testRefusesVMImagesAndMissingObjects() throws {
        let scratch = try Scratch()
        let repository = try Repository(name: "user", path: "\(scratch.path)/images")
        let temporary = try repository.makeTemporaryDirectory()
        let layout = try HandMadeLayout.write(at: "\(temporary.path)/oci", layers: [Data("l".utf8)])
        let image = try repository.storeOCILayout(
            at: layout.directory, as: "app", owner: "a", force: false, description: nil)
        try FileSystem.remove(repository.dataObjectPath(BlobDigest(verifiedHex: layout.layers[0])))
        XCTAssertThrowsError(try repository.exportOCILayout(image, to: "\(scratch.path)/out")) { error in
            XCTAssertEqual((error as? ImageRepoError)?.code, .missingObject)
            XCTAssertTrue("\(error)".contains(layout.layers[0]) && "\(error)".contains("repository user"), "\(error)")
        }
        withExtendedLifetime(temporary) {}
    }

    /// Export links, never copies: a 200 MB layer must not make it slower.
    func testExportTimeDoesNotDependOnSize() throws {
        let scratch = try Scratch()
        let repository = try Repository(name: "user", path: "\(scratch.path)/images")
        let temporary = try repository.makeTemporaryDirectory()
        var big = try XCTUnwrap(FileHandle(forReadingAtPath: "/dev/urandom")?.readData(ofLength: 200 << 20))
        let layout = try HandMadeLayout.write(at: "\(temporary.path)/oci", layers: [big, Data("small".utf8)])
        big = Data()
        let storeStart = Date()
        let image = try repository.storeOCILayout(
            at: layout.directory, as: "big", owner: "a", force: false, description: nil)
        let storeSeconds = Date().timeIntervalSince(storeStart)
        let exportStart = Date()
        try repository.exportOCILayout(image, to: "\(scratch.path)/exported")
        let exportSeconds = Date().timeIntervalSince(exportStart)
        print("store of a 200 MiB layout (hashing included): \(storeSeconds) s; export: \(exportSeconds * 1000) ms")
        XCTAssertLessThan(exportSeconds, 0.1)
        XCTAssertEqual(FileSystem.fileSize("\(scratch.path)/exported/blobs/sha256/\(layout.layers[0])"), 200 << 20)
        withExtendedLifetime(temporary) {}
    }
}
