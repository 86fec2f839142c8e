import Foundation
import HostSystem
import XCTest

final class AtomicFileTests: XCTestCase {
    var directory = ""

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "atomic-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: directory) }

    func testReplaceWritesTheModeExactlyAndLeavesNoTemporary() throws {
        let path = "\(directory)/key.pem"
        try AtomicFile.write("first", to: path, mode: 0o600)
        try AtomicFile.write("second", to: path, mode: 0o600)
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "second")
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        XCTAssertEqual((attributes[.posixPermissions] as? NSNumber)?.intValue, 0o600)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory), ["key.pem"])
    }

    func testFailModeNeverReplacesAnExistingFile() throws {
        let path = "\(directory)/meta"
        try AtomicFile.write("theirs", to: path, existing: .fail)
        XCTAssertThrowsError(try AtomicFile.write("ours", to: path, existing: .fail)) { error in
            XCTAssertEqual((error as? SystemError)?.errno, .fileExists)
            XCTAssertTrue("\(error)".hasPrefix("cannot create \(path): File exists"), "\(error)")
        }
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "theirs")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory), ["meta"], "no temporary left")
    }

    func testASymlinkInPlaceIsReplacedNotFollowed() throws {
        let target = "\(directory)/target"
        try "untouched".write(toFile: target, atomically: false, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: "\(directory)/link", withDestinationPath: target)
        try AtomicFile.write("new", to: "\(directory)/link")
        XCTAssertEqual(try String(contentsOfFile: target, encoding: .utf8), "untouched")
        XCTAssertEqual(try String(contentsOfFile: "\(directory)/link", encoding: .utf8), "new")
    }

    func testAMissingDirectoryIsNamed() {
        XCTAssertThrowsError(try AtomicFile.write("x", to: "\(directory)/missing/file")) { error in
            XCTAssertTrue("\(error)".contains("\(directory)/missing"), "\(error)")
        }
    }

    func testPrivateDirectoriesAre0700AndTightened() throws {
        let path = "\(directory)/a/b"
        try PrivateDirectory.create(path)
        for created in ["\(directory)/a", path] {
            let mode = (try FileManager.default.attributesOfItem(atPath: created)[.posixPermissions] as? NSNumber)?
                .intValue
            XCTAssertEqual(mode, 0o700, created)
        }
        chmod(path, 0o755)
        try PrivateDirectory.create(path)
        let mode = (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue
        XCTAssertEqual(mode, 0o700, "an existing directory is tightened")
    }
}
