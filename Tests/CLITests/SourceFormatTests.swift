import Foundation
import XCTest

/// The checked-in `.swift-format` holds for every Swift file of the package: `swift format lint --strict` finds nothing.
final class SourceFormatTests: XCTestCase {
    func testTheSourcesFollowTheCheckedInFormat() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        let swift = try XCTUnwrap(
            path.split(separator: ":").map { "\($0)/swift" }.first(where: FileManager.default.isExecutableFile),
            "no swift on PATH (\(path)) to run swift format")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: swift)
        process.arguments = [
            "format", "lint", "--strict", "--configuration", "\(root)/.swift-format", "--recursive",
            "\(root)/Package.swift", "\(root)/Sources", "\(root)/Tests",
        ]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = errors
        try process.run()
        let report = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(
            process.terminationStatus, 0,
            "swift format lint: run `swift format -i -r Package.swift Sources Tests`\n\(report)")
    }
}
