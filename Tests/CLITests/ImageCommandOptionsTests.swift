import ArgumentParser
import XCTest

@testable import CLISupport
@testable import pcocc_docker

/// build's docker build options and edit's docker run options: what is parsed, what docker gets.
final class ImageCommandOptionsTests: XCTestCase {
    private func build(_ arguments: [String]) throws -> BuildCommand {
        let command = try PcoccDocker.parseAsRoot(["build"] + arguments)
        return try XCTUnwrap(command as? BuildCommand)
    }

    private func edit(_ arguments: [String]) throws -> EditCommand {
        let command = try PcoccDocker.parseAsRoot(["edit"] + arguments)
        return try XCTUnwrap(command as? EditCommand)
    }

    func testBuildPassesDockerBuildOptionsInOrderWithTheContextLast() throws {
        let command = try build([
            "-f", "dev.Dockerfile", "--build-arg", "A=1", "--build-arg=B", "--target", "final", "--no-cache", "--pull",
            "--label", "x=y", "--label=z=w", "ctx", "dest", "--", "--network=host", "--progress", "plain",
        ])
        XCTAssertEqual(command.directory, "ctx")
        XCTAssertEqual(command.destination, "dest")
        XCTAssertEqual(
            command.build.dockerArguments(tag: "pcocc-build-1", context: "ctx"),
            [
                "build", "-t", "pcocc-build-1", "-f", "dev.Dockerfile", "--build-arg", "A=1", "--build-arg", "B",
                "--target", "final", "--no-cache", "--pull", "--label", "x=y", "--label", "z=w",
                "--network=host", "--progress", "plain", "ctx",
            ])
    }

    func testBuildWithoutOptionsIsPlainDockerBuild() throws {
        let command = try build(["--force", "ctx", "dest"])
        XCTAssertTrue(command.force)
        XCTAssertEqual(command.build.dockerArguments(tag: "t", context: "ctx"), ["build", "-t", "t", "ctx"])
        XCTAssertEqual(command.build.dockerfile(context: "ctx"), "ctx/Dockerfile")
    }

    func testBuildOptionsMayFollowTheNames() throws {
        let command = try build(["ctx", "dest", "--file=/elsewhere/Containerfile", "--build-arg", "V=2"])
        XCTAssertEqual(command.build.dockerfile(context: "ctx"), "/elsewhere/Containerfile")
        XCTAssertEqual(command.build.buildArguments, ["V=2"])
        XCTAssertNil(
            try build(["-f", "-", "ctx", "dest"]).build.dockerfile(context: "ctx"), "stdin has no file to check")
    }

    func testBuildRefusesUnknownOptionsBeforeTheSeparator() {
        XCTAssertThrowsError(try build(["--network=host", "ctx", "dest"]))
        XCTAssertThrowsError(try build(["ctx"]))
    }

    func testEditRunOptionsComeBeforeTheNamesAndTheCommandKeepsItsOwn() throws {
        let command = try edit([
            "-v", "/data:/data:ro", "--volume=/b:/b", "-e", "LANG=C", "--env", "X", "--mount", "type=tmpfs,dst=/t",
            "--network", "none", "--run-option", "--privileged", "--run-option=--cap-add=SYS_PTRACE",
            "src", "dest", "sh", "-c", "touch /x", "-v", "-e",
        ])
        XCTAssertEqual(command.source, "src")
        XCTAssertEqual(command.destination, "dest")
        XCTAssertEqual(command.command, ["sh", "-c", "touch /x", "-v", "-e"])
        XCTAssertEqual(
            command.container.dockerArguments,
            [
                "-v", "/data:/data:ro", "-v", "/b:/b", "-e", "LANG=C", "-e", "X", "--mount", "type=tmpfs,dst=/t",
                "--network", "none", "--privileged", "--cap-add=SYS_PTRACE",
            ])
    }

    func testEditWithoutRunOptions() throws {
        let command = try edit(["src", "dest"])
        XCTAssertEqual(command.container.dockerArguments, [])
        XCTAssertEqual(command.command, [])
    }

    func testEditRefusesRunOptionsThatBreakIt() {
        for option in ["--rm", "--name=x", "-d", "--detach"] {
            XCTAssertThrowsError(try edit(["--run-option", option, "src", "dest"]), option) { error in
                let line = CommandMain.line(for: error, root: PcoccDocker.self, code: PcoccDocker.exitCode(for: error))
                XCTAssertTrue(line?.contains("cannot be used") ?? false, line ?? "")
            }
        }
    }

    func testAnInterruptionExitsWithTheShellsStatusForTheSignal() {
        let sigint = CommandFailure.interrupted(by: SIGINT, "image 'x' not saved")
        XCTAssertEqual(CommandMain.exitStatus(for: sigint, code: .failure), 130)
        XCTAssertEqual(
            CommandMain.exitStatus(for: CommandFailure.interrupted(by: SIGTERM, "image 'x' not saved"), code: .failure),
            143)
        XCTAssertEqual(
            CommandMain.line(for: sigint, root: PcoccDocker.self, code: .failure),
            "interrupted by Ctrl-C (SIGINT): image 'x' not saved")
        XCTAssertEqual(CommandMain.exitStatus(for: CommandFailure("other"), code: .failure), 1)
        XCTAssertEqual(CommandMain.exitStatus(for: ExitCode(7), code: ExitCode(7)), 7)
    }

    func testTheImportProgressLineNamesLayerBytesAndEntries() {
        XCTAssertEqual(
            ConversionProgressBar.line(
                layers: 4, layersDone: 1, bytes: 109_000_000, bytesDone: 57_300_000, entries: 12345),
            "  converting layer 2/4, 57.3 of 109.0 MB, 12345 entries")
        XCTAssertEqual(
            ConversionProgressBar.line(
                layers: 4, layersDone: 4, bytes: 109_000_000, bytesDone: 109_000_000, entries: 43546),
            "  converted 4 layers, 109.0 of 109.0 MB, 43546 entries")
    }
}
