import ArgumentParser
import XCTest

@testable import CLISupport
@testable import pcocc_docker
@testable import pcocc_docker_node

/// What the commands accept and refuse, before anything runs: every refusal is one line naming the argument.
final class CommandParsingTests: XCTestCase {
    /// The line `pcocc-docker ARGS` would print for a usage error.
    private func refusal<Root: ParsableCommand>(_ root: Root.Type, _ arguments: [String]) -> String? {
        do {
            _ = try root.parseAsRoot(arguments)
            return nil
        } catch {
            return CommandMain.line(for: error, root: root, code: root.exitCode(for: error))
        }
    }

    func testAllocPassesUnknownOptionsToSalloc() throws {
        let command = try XCTUnwrap(
            PcoccDocker.parseAsRoot(["alloc", "-p", "big", "-c", "16", "--time=1:00:00"]) as? AllocCommand)
        XCTAssertEqual(command.slurmOptions, ["-p", "big", "-c", "16", "--time=1:00:00"])
        XCTAssertNil(command.script)
        let scripted = try XCTUnwrap(
            PcoccDocker.parseAsRoot(["alloc", "-E", "docker ps", "-T", "60"]) as? AllocCommand)
        XCTAssertEqual(scripted.script, "docker ps")
        XCTAssertEqual(scripted.timeout, 60)
    }

    func testRefusalsAreOneLine() {
        let cases: [([String], String)] = [
            (["alloc", "-t", "centos"], "unknown VM template 'centos'"),
            (["alloc", "-T", "0"], "-T must be at least 1 second"),
            (["env", "-j", "1", "-J", "name"], "give -j JOBID or -J JOBNAME, not both"),
            (["shell", "-i", "1"], "VM index 1 does not exist"),
            (["env", "--shell", "cmd.exe"], "cmd.exe"),
            (["frobnicate"], "frobnicate"),
        ]
        for (arguments, expected) in cases {
            let line = refusal(PcoccDocker.self, arguments)
            XCTAssertNotNil(line, "\(arguments) was accepted")
            XCTAssertTrue(line?.contains(expected) ?? false, "\(arguments): \(line ?? "")")
            XCTAssertFalse(line?.contains("\n") ?? true, "\(arguments): more than one line")
            XCTAssertTrue(line?.hasSuffix("(see 'pcocc-docker --help')") ?? false, "\(arguments): \(line ?? "")")
        }
    }

    func testEditTakesTheCommandAfterItsNames() throws {
        let command = try XCTUnwrap(
            PcoccDocker.parseAsRoot(["edit", "centos", "new-centos", "touch", "/newfile"]) as? EditCommand)
        XCTAssertEqual(command.source, "centos")
        XCTAssertEqual(command.destination, "new-centos")
        XCTAssertEqual(command.command, ["touch", "/newfile"])
    }

    func testTheVMStepChecksItsArguments() {
        XCTAssertTrue(
            refusal(NodeCommand.self, ["vm", "--job-dir", "relative", "--job-id", "1"])?.contains(
                "--job-dir must be an absolute path") ?? false)
        XCTAssertTrue(
            refusal(NodeCommand.self, ["vm", "--job-dir", "/x", "--job-id", "1;rm"])?.contains(
                "--job-id must be letters") ?? false)
        XCTAssertTrue(
            refusal(NodeCommand.self, ["launcher", "--mode", "interactive"])?.contains("interactive") ?? false)
        XCTAssertNoThrow(
            try NodeCommand.parseAsRoot(["vm", "--job-dir", "/x", "--job-id", "12", "--host", "10.0.0.1"]))
    }

    func testAnExitStatusIsPassedOnSilently() {
        XCTAssertNil(CommandMain.line(for: ExitCode(7), root: PcoccDocker.self, code: ExitCode(7)))
    }
}
