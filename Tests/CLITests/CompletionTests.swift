import ArgumentParser
import Foundation
import XCTest

@testable import pcocc_docker

/// The completion scripts set-up installs work in the real shells: they load, and complete the subcommands.
final class CompletionTests: XCTestCase {
    private func run(_ executable: String, _ arguments: [String]) throws -> String? {
        guard FileManager.default.isExecutableFile(atPath: executable) else { return nil }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        // A home of its own: fish writes its configuration there.
        let home = NSTemporaryDirectory() + "completion-home-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: home) }
        process.environment = ["PATH": "/usr/bin:/bin", "HOME": home, "LANG": "C.UTF-8"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: output, as: UTF8.self)
    }

    private func script(_ shell: CompletionShell) throws -> String {
        let file = NSTemporaryDirectory() + "completion-\(UUID().uuidString)"
        try PcoccDocker.completionScript(for: shell).write(toFile: file, atomically: true, encoding: .utf8)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: file) }
        return file
    }

    func testBashCompletesSubcommands() throws {
        let file = try script(.bash)
        let output = try XCTUnwrap(
            try run(
                "/bin/bash",
                [
                    "-c",
                    """
                    . '\(file)'
                    COMP_WORDS=(pcocc-docker al); COMP_CWORD=1; COMP_LINE='pcocc-docker al'; COMP_POINT=${#COMP_LINE}
                    _pcocc-docker pcocc-docker al pcocc-docker
                    printf '%s\\n' "${COMPREPLY[@]}"
                    """,
                ]))
        XCTAssertTrue(output.split(separator: "\n").contains("alloc"), output)
    }

    func testZshAndFishLoadTheirScripts() throws {
        let zsh = try script(.zsh)
        if let output = try run(
            "/usr/bin/zsh", ["-f", "-c", "autoload -U compinit && compinit -u && source '\(zsh)' && print ok"])
        {
            XCTAssertTrue(output.hasSuffix("ok\n"), output)
        }
        let fish = try script(.fish)
        if let output = try run(
            "/usr/bin/fish", ["--no-config", "-c", "source '\(fish)'; complete -C 'pcocc-docker al'"])
        {
            XCTAssertTrue(output.contains("alloc"), output)
        }
    }

    func testVersion() {
        XCTAssertEqual(PcoccDocker.configuration.version, "0.3.0")
    }
}
