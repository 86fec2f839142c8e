import XCTest

@testable import VMAllocator

final class ShellExportsTests: XCTestCase {
    let variables = [("DOCKER_HOST", "tcp://node1:40000"), ("DOCKER_CERT_PATH", "/home/o'neil/.pcocc/job_1/vmcerts/client")]

    func testPosixShellsExportSingleQuotedValues() {
        let text = ShellExports(shell: .bash).set(variables, hint: nil)
        XCTAssertEqual(text, "export DOCKER_HOST='tcp://node1:40000';\nexport DOCKER_CERT_PATH='/home/o'\\''neil/.pcocc/job_1/vmcerts/client';\n")
    }

    func testEvalOfTheOutputSetsTheVariablesInARealShell() async throws {
        let text = ShellExports(shell: .sh).set(variables, hint: "Run this command to configure your shell: eval $(pcocc-docker env)")
        // eval $(...) joins the lines with spaces: the hint must not comment out an assignment.
        let joined = text.split(separator: "\n").joined(separator: " ")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "eval \"$0\"; printf '%s|%s' \"$DOCKER_HOST\" \"$DOCKER_CERT_PATH\"", joined]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        process.waitUntilExit()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        XCTAssertEqual(output, "tcp://node1:40000|/home/o'neil/.pcocc/job_1/vmcerts/client")
    }

    func testOtherShells() {
        XCTAssertEqual(ShellExports(shell: .fish).set([("A", "b")], hint: nil), "set -gx A 'b';\n")
        XCTAssertEqual(ShellExports(shell: .tcsh).set([("A", "b")], hint: nil), "setenv A 'b';\n")
        XCTAssertEqual(ShellExports(shell: .powershell).set([("A", "b'$c")], hint: nil), "$Env:A = 'b''$c'\n")
        XCTAssertEqual(ShellExports(shell: .zsh).unset(["A", "B"], hint: nil), "unset A;\nunset B;\n")
        XCTAssertEqual(ShellExports(shell: .fish).unset(["A"], hint: nil), "set -e A;\n")
        XCTAssertEqual(ShellExports(shell: .powershell).unset(["A"], hint: nil), "Remove-Item Env:\\A\n")
    }

    func testShellDetection() {
        XCTAssertEqual(ShellKind.detect(fromPath: "/usr/bin/fish"), .fish)
        XCTAssertEqual(ShellKind.detect(fromPath: "/bin/bash"), .bash)
        XCTAssertEqual(ShellKind.detect(fromPath: "/usr/bin/pwsh"), .powershell)
        XCTAssertEqual(ShellKind.detect(fromPath: "/bin/dash"), .sh)
        XCTAssertEqual(ShellKind.detect(fromPath: nil), .sh)
    }
}
