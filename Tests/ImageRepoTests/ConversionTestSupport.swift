import ChildProcess
import Foundation
import XCTest

@testable import ImageRepo

/// Builds the fixture layouts once per test process and checks squashfs files against their expected trees.
enum ConversionFixtures {
    /// The directory holding `fixture.py`, `busybox/` and `multi/` (OCI layouts, each with an `expected.json`).
    static func directory() async throws -> String {
        try await cache.get()
    }

    private static let cache = Once()

    private actor Once {
        private var made: String?

        /// Kept between runs, named by the script's hash: a changed script makes new fixtures, reruns reuse them.
        func get() async throws -> String {
            if let made { return made }
            let fileManager = FileManager.default
            let directory = NSTemporaryDirectory() + "pcocc-docker-conversion-fixtures-\(scriptHash)"
            if !fileManager.fileExists(atPath: directory + "/complete") {
                let building = directory + ".tmp-\(getpid())"
                try? fileManager.removeItem(atPath: building)
                try fileManager.createDirectory(atPath: building, withIntermediateDirectories: true)
                let script = building + "/fixture.py"
                try ConversionFixtureScript.source.write(toFile: script, atomically: true, encoding: .utf8)
                try await ChildProcess.checked("python3", [script, "make", building])
                try fileManager.createSymbolicLink(
                    atPath: building + "/two/blobs", withDestinationPath: directory + "/multi/blobs")
                _ = fileManager.createFile(atPath: building + "/complete", contents: nil)
                // A concurrent run may have won the rename; its fixtures are the same.
                if rename(building, directory) != 0 { try? fileManager.removeItem(atPath: building) }
            }
            made = directory
            return directory
        }

        /// FNV-1a: stable across runs, unlike Hasher.
        private var scriptHash: String {
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            for byte in ConversionFixtureScript.source.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
            return String(hash, radix: 16)
        }
    }

    /// Differences between the squashfs and the layout's expected tree, one line each; empty when they match.
    static func differences(layout: String, image: String) async throws -> String {
        let script = try await directory() + "/fixture.py"
        let result = try await ChildProcess.run("python3", [script, "check", layout + "/expected.json", image])
        if result.status != 0 && result.outputString.isEmpty { return "check failed: \(result.errorTail)" }
        return result.outputString.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The squashfs as the fixture script lists it (path -> record, hard-link groups).
    static func listing(_ image: String) async throws -> Listing {
        let script = try await directory() + "/fixture.py"
        let result = try await ChildProcess.checked("python3", [script, "list", image])
        return try JSONDecoder().decode(Listing.self, from: result.output)
    }

    struct Listing: Decodable {
        struct Entry: Decodable, Equatable {
            let type: String
            let mode: Int
            let uid: Int
            let gid: Int
            let size: Int
            let sha256: String
            let link: String
            let dev: [Int]
            let xattrs: [String: String]
        }
        let entries: [String: Entry]
        let hardlinks: [[String]]
    }

    /// A fresh directory for one test's outputs.
    static func scratch(_ name: String) throws -> String {
        let directory = NSTemporaryDirectory() + "pcocc-docker-\(name)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return directory
    }

    /// The sha256 hex of `text`, as the listing gives file contents.
    static func sha256(_ text: String) async throws -> String {
        let result = try await ChildProcess.checked("sha256sum", [], input: Data(text.utf8))
        return String(result.outputString.prefix(64))
    }
}
