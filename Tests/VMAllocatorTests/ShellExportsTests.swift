import Foundation
import XCTest

@testable import VMAllocator

/// `env` output evaluated by the real shells: every value comes back exactly as it was.
final class ShellExportsTests: XCTestCase {
    static let awkward = [
        "tcp://node1:40000", "/home/o'neil/.pcocc/job_1/vmcerts/client", "a b  c", "say \"hi\"", "$HOME and ${X}",
        "`id` $(id)", "naïve é 日本", "back\\slash \\\\ two \\'", "semi;colon|pipe&", "bang!history !!", "tab\there",
        "*glob? [x]", "#not a comment", "",
    ]

    /// Evaluates `text` as a user would load it in `shell`, then returns the environment it leaves.
    private func evaluate(_ text: String, in shell: ShellKind) throws -> [String: String]? {
        let executables: [ShellKind: String] = [
            .bash: "/bin/bash", .zsh: "/usr/bin/zsh", .sh: "/bin/sh", .fish: "/usr/bin/fish", .tcsh: "/usr/bin/tcsh",
            .csh: "/usr/bin/csh", .powershell: "/usr/bin/pwsh",
        ]
        guard let executable = executables[shell], FileManager.default.isExecutableFile(atPath: executable) else {
            return nil
        }
        let file = NSTemporaryDirectory() + "env-\(UUID().uuidString)"
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let script: [String]
        switch shell {
        case .bash, .zsh, .sh: script = ["-c", "eval \"$(cat '\(file)')\"; env -0"]
        case .fish: script = ["--no-config", "-c", "cat '\(file)' | source; env -0"]
        case .tcsh, .csh: script = ["-f", "-c", "eval \"`cat '\(file)'`\"; env -0"]
        case .powershell: script = ["-NoProfile", "-Command", "Get-Content '\(file)' -Raw | Invoke-Expression; env -0"]
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = script
        // A home of its own: fish writes its configuration there.
        let home = NSTemporaryDirectory() + "env-home-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: home) }
        process.environment = ["PATH": "/usr/bin:/bin", "HOME": home, "LANG": "C.UTF-8"]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        var environment: [String: String] = [:]
        for entry in output.split(separator: 0) {
            let text = String(decoding: entry, as: UTF8.self)
            guard let equals = text.firstIndex(of: "=") else { continue }
            environment[String(text[..<equals])] = String(text[text.index(after: equals)...])
        }
        return environment
    }

    func testEveryShellGetsEveryValueBackExactly() throws {
        var tested: [ShellKind] = []
        for shell in ShellKind.allCases {
            var values = Self.awkward
            if shell != .tcsh && shell != .csh { values.append("two\nlines") }
            let variables = values.enumerated().map { ("PCOCC_TEST_\($0.offset)", $0.element) }
            let text = try ShellExports(shell: shell).set(
                variables, hint: "Run this command to configure your shell: x")
            guard let environment = try evaluate(text, in: shell) else { continue }
            tested.append(shell)
            for (name, value) in variables {
                XCTAssertEqual(environment[name], value, "\(shell.rawValue): \(name)")
            }
        }
        // pwsh is not in Debian: the other shells must all be there (scripts/install-deps.sh).
        XCTAssertEqual(Set(tested).subtracting([.powershell]), Set(ShellKind.allCases).subtracting([.powershell]))
    }

    func testCshRefusesALineBreakItCannotHold() {
        XCTAssertThrowsError(try ShellExports(shell: .tcsh).set([("A", "x\ny")], hint: nil)) { error in
            XCTAssertEqual(
                "\(error)",
                "the value of A contains a line break, which tcsh cannot hold: use another --shell or --json")
        }
    }

    func testUnsetRemovesThem() throws {
        for shell in ShellKind.allCases {
            let text =
                try ShellExports(shell: shell).set([("PCOCC_TEST_A", "x")], hint: nil)
                + ShellExports(shell: shell).unset(["PCOCC_TEST_A"], hint: nil)
            guard let environment = try evaluate(text, in: shell) else { continue }
            XCTAssertNil(environment["PCOCC_TEST_A"], shell.rawValue)
        }
    }

    func testHintsSayHowToLoadTheOutputInEachShell() {
        XCTAssertEqual(ShellKind.bash.loadHint("pcocc-docker env"), "eval \"$(pcocc-docker env)\"")
        XCTAssertEqual(ShellKind.fish.loadHint("pcocc-docker env"), "pcocc-docker env | source")
        XCTAssertEqual(ShellKind.tcsh.loadHint("pcocc-docker env"), "eval \"`pcocc-docker env`\"")
        XCTAssertTrue(ShellExports(shell: .tcsh).hintOnStandardError, "# is no comment in interactive csh")
        XCTAssertEqual(try ShellExports(shell: .bash).set([("A", "b")], hint: "h"), "export A='b';\n# h\n")
    }

    func testShellDetection() {
        XCTAssertEqual(ShellKind.detect(fromPath: "/usr/bin/fish"), .fish)
        XCTAssertEqual(ShellKind.detect(fromPath: "/bin/bash"), .bash)
        XCTAssertEqual(ShellKind.detect(fromPath: "/usr/bin/pwsh"), .powershell)
        XCTAssertEqual(ShellKind.detect(fromPath: "/bin/dash"), .sh)
        XCTAssertEqual(ShellKind.detect(fromPath: nil), .sh)
    }
}
