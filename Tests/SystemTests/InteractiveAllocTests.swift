import ChildProcess
import Foundation
import XCTest

/// `pcocc-docker alloc` driven as a person would, in a terminal (tmux): the prompt, a docker command,
/// then `exit`. Services: the Slurm cluster and guest image of scripts/test.sh; boots one VM.
final class InteractiveAllocTests: XCTestCase {
    func testPromptDockerPsAndExit() async throws {
        let system = try SystemTestEnvironment.require()
        let session = "pcocc-test-\(UUID().uuidString.prefix(8))"
        let environment = system.userEnvironment().sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        let command =
            (["runuser", "-u", system.user, "--", "env", "-i"] + environment + [system.binary, "alloc", "--time=10"])
            .map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
        try await ChildProcess.checked(
            "tmux",
            ["-L", session, "new-session", "-d", "-s", session, "-x", "160", "-y", "48", "cd /tmp && " + command])
        defer { Task { _ = try? await ChildProcess.run("tmux", ["-L", session, "kill-session", "-t", session]) } }

        let prompt = try await waitForScreen(session, seconds: 240) { $0.contains("(pcocc/") }
        XCTAssertTrue(prompt.contains("Starting the docker VM ..."), prompt)
        XCTAssertTrue(prompt.contains("Waiting for docker VM to start ..."), prompt)

        try await ChildProcess.checked("tmux", ["-L", session, "send-keys", "-t", session, "docker ps", "Enter"])
        let listing = try await waitForScreen(session, seconds: 60) { $0.contains("CONTAINER ID") }
        XCTAssertTrue(listing.contains("CONTAINER ID"), listing)

        try await ChildProcess.checked("tmux", ["-L", session, "send-keys", "-t", session, "exit", "Enter"])
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline,
            try await ChildProcess.run("tmux", ["-L", session, "has-session", "-t", session]).status == 0
        {
            try await Task.sleep(for: .milliseconds(300))
        }
        let alive = try await ChildProcess.run("tmux", ["-L", session, "has-session", "-t", session]).status == 0
        XCTAssertFalse(alive, "alloc did not end after the shell's exit")
        let left = try await system.waitForNoVMProcesses()
        XCTAssertEqual(left, [], "VM processes survived the end of the shell")
    }

    func testCtrlCWhileWaitingCancelsCleanly() async throws {
        let system = try SystemTestEnvironment.require()
        let session = "pcocc-test-\(UUID().uuidString.prefix(8))"
        // A restored VM is ready before a Ctrl-C 3 s into the wait: the user's own settings make this one boot.
        let userConfig = "\(system.home)/.pcocc-test-boot-\(session)"
        try await system.runAsUser([
            "sh", "-c", "mkdir -p -m 0700 \"$1\" && printf 'vm:\\n  start: boot\\n' > \"$1/pcocc-docker.yaml\"", "sh",
            userConfig,
        ])
        defer { try? FileManager.default.removeItem(atPath: userConfig) }
        let environment = system.userEnvironment(["PCOCC_USER_CONF_DIR": userConfig]).sorted { $0.key < $1.key }.map {
            "\($0.key)=\($0.value)"
        }
        let command =
            (["runuser", "-u", system.user, "--", "env", "-i"] + environment + [system.binary, "alloc", "--time=10"])
            .map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
        try await ChildProcess.checked(
            "tmux",
            [
                "-L", session, "new-session", "-d", "-s", session, "-x", "160", "-y", "48",
                "cd /tmp && " + command + "; echo alloc-exit=$?; sleep 60",
            ])
        defer { Task { _ = try? await ChildProcess.run("tmux", ["-L", session, "kill-session", "-t", session]) } }
        let waiting = try await waitForScreen(session, seconds: 60) {
            $0.contains("Waiting for docker VM to start ...")
        }
        let jobID = try XCTUnwrap(
            waiting.split(separator: "\n").first { $0.contains("Granted job allocation") }?.split(separator: " ").last)
        try await Task.sleep(for: .seconds(3))
        try await ChildProcess.checked("tmux", ["-L", session, "send-keys", "-t", session, "C-c"])
        let ended = try await waitForScreen(session, seconds: 60) { $0.contains("alloc-exit=") }
        XCTAssertTrue(ended.contains("alloc-exit=130"), ended)
        XCTAssertFalse(ended.contains("(pcocc/"), "a shell started after Ctrl-C")
        let left = try await system.waitForNoVMProcesses()
        XCTAssertEqual(left, [], "VM processes survived Ctrl-C")
        let scratchLeft = try await system.scratchLeft(jobID: String(jobID))
        XCTAssertFalse(scratchLeft, "scratch directory left")
        XCTAssertFalse(
            FileManager.default.fileExists(atPath: "\(system.home)/.pcocc/job_\(jobID)"), "state directory left")
    }

    /// Polls the pane's text until `condition` holds; fails with the screen after `seconds`.
    private func waitForScreen(
        _ session: String, seconds: Double, until condition: (String) -> Bool
    ) async throws -> String {
        let deadline = Date().addingTimeInterval(seconds)
        var screen = ""
        while Date() < deadline {
            screen = try await ChildProcess.run(
                "tmux", ["-L", session, "capture-pane", "-p", "-t", session, "-S", "-100"]
            ).outputString
            if condition(screen) { return screen }
            try await Task.sleep(for: .milliseconds(500))
        }
        XCTFail("screen never matched after \(seconds) s:\n\(screen)")
        return screen
    }
}
