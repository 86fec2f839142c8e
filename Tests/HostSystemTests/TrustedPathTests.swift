import Foundation
import HostSystem
import XCTest

/// ssh's StrictModes for the state directory: every ancestor owned by root or the user, none writable by others
/// unless sticky, the directory itself never writable by others.
final class TrustedPathTests: XCTestCase {
    var root = ""

    override func setUpWithError() throws {
        // Under /tmp (sticky, root's): the ancestors above `root` are trusted.
        root = "/tmp/trusted-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        chmod(root, 0o755)
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: root) }

    func testOwnDirectoriesAndAMissingTailPass() throws {
        try FileManager.default.createDirectory(atPath: "\(root)/home/.pcocc", withIntermediateDirectories: true)
        try TrustedPath.check("\(root)/home/.pcocc")
        try TrustedPath.check("\(root)/home/.pcocc/not/yet/made")
    }

    func testAGroupWritableAncestorIsRefusedNamingIt() throws {
        try FileManager.default.createDirectory(atPath: "\(root)/shared/state", withIntermediateDirectories: true)
        chmod("\(root)/shared", 0o775)
        XCTAssertThrowsError(try TrustedPath.check("\(root)/shared/state")) { error in
            XCTAssertTrue(
                "\(error)".hasPrefix(
                    "\(root)/shared (on the way to \(root)/shared/state) is writable by other users (mode 775)"),
                "\(error)")
        }
    }

    func testAStickyWorldWritableAncestorIsFineButNotAsTheDirectoryItself() throws {
        try FileManager.default.createDirectory(atPath: "\(root)/scratch/state", withIntermediateDirectories: true)
        chmod("\(root)/scratch", 0o1777)
        try TrustedPath.check("\(root)/scratch/state")
        XCTAssertThrowsError(try TrustedPath.check("\(root)/scratch"))
    }

    func testAnAncestorOfAnotherUserIsRefused() throws {
        guard getuid() == 0 else { throw XCTSkip("needs root to give a directory to another user") }
        try FileManager.default.createDirectory(atPath: "\(root)/theirs/state", withIntermediateDirectories: true)
        chown("\(root)/theirs", 65534, 65534)
        XCTAssertThrowsError(try TrustedPath.check("\(root)/theirs/state")) { error in
            XCTAssertTrue("\(error)".contains("belongs to another user (uid 65534)"), "\(error)")
        }
    }

    func testSymbolicLinksAreCheckedWhereTheyLead() throws {
        try FileManager.default.createDirectory(atPath: "\(root)/open/state", withIntermediateDirectories: true)
        chmod("\(root)/open", 0o777)
        try FileManager.default.createSymbolicLink(atPath: "\(root)/link", withDestinationPath: "\(root)/open/state")
        XCTAssertThrowsError(try TrustedPath.check("\(root)/link"))
    }
}
