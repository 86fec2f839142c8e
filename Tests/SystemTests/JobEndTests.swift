import ChildProcess
import Foundation
import XCTest

/// The VM lives exactly as long as the job: a killed launcher or the job's time limit must take it
/// down with nothing left on the node. Services: the Slurm cluster and guest image of scripts/test.sh.
final class JobEndTests: XCTestCase {
    func testKillingTheLauncherLeavesNoVM() async throws {
        let system = try SystemTestEnvironment.require()
        let marker = "/tmp/pcocc-systest-kill-\(UUID().uuidString.prefix(6))"
        let environment = system.userEnvironment().sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        async let alloc = ChildProcess.run(
            "runuser",
            ["-u", system.user, "--", "env", "-i"] + environment
                + [system.binary, "alloc", "--time=10", "-E", "echo \"$PCOCC_JOB_ID\" > \(marker); sleep 600"],
            workingDirectory: "/tmp")
        defer { try? FileManager.default.removeItem(atPath: marker) }
        let deadline = Date().addingTimeInterval(180)
        while !FileManager.default.fileExists(atPath: marker) && Date() < deadline {
            try await Task.sleep(for: .milliseconds(500))
        }
        let jobID = try XCTUnwrap(try? String(contentsOfFile: marker, encoding: .utf8))
            .trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertFalse(jobID.isEmpty, "the docker shell never started")

        // Only the launcher: salloc, whose command line names it too, must see its command die.
        try await ChildProcess.checked(
            "pkill", ["-KILL", "-u", String(system.uid), "-f", "^[^ ]*pcocc-docker-node launcher"])
        // salloc sees its command die and releases the job; Slurm then stops the VM step.
        _ = try await alloc
        let left = try await system.waitForNoVMProcesses(seconds: 60)
        XCTAssertEqual(left, [], "VM processes survived the launcher's death")
        let scratchLeft = try await system.scratchLeft(jobID: String(jobID))
        XCTAssertFalse(scratchLeft, "scratch directory left")
        _ = try? await system.runAsUser(["pkill", "-f", "sleep 600"])
    }

    func testTheTimeLimitEndsTheVM() async throws {
        let system = try SystemTestEnvironment.require()
        let submitted = try await system.pcoccDocker(["batch", "--time=1"])
        XCTAssertEqual(submitted.status, 0, submitted.errorTail)
        let jobID = String(
            submitted.outputString.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: " ").last ?? "")
        defer { Task { _ = try? await system.runAsUser(["scancel", jobID]) } }
        let ready = try await system.pcoccDocker([
            "shell", "-j", jobID, "-E", "docker version --format '{{.Server.Version}}'",
        ])
        XCTAssertEqual(ready.status, 0, ready.errorTail)

        // Slurm's time limit (one minute) plus its kill wait, then nothing of the VM may remain.
        var state = ""
        let deadline = Date().addingTimeInterval(150)
        repeat {
            try await Task.sleep(for: .seconds(2))
            state = try await system.runAsUser(["squeue", "-h", "-j", jobID, "-o", "%T"]).outputString
                .trimmingCharacters(in: .whitespacesAndNewlines)
        } while !state.isEmpty && Date() < deadline
        XCTAssertEqual(state, "", "job \(jobID) still queued after its time limit")
        let left = try await system.waitForNoVMProcesses(seconds: 30)
        XCTAssertEqual(left, [], "VM processes survived the time limit")
        let scratchLeft = try await system.scratchLeft(jobID: String(jobID))
        XCTAssertFalse(scratchLeft, "scratch directory left")
        XCTAssertFalse(
            FileManager.default.fileExists(atPath: "\(system.home)/.pcocc/job_\(jobID)"), "state directory left")
        let env = try await system.pcoccDocker(["env", "-j", jobID])
        XCTAssertNotEqual(env.status, 0, "env accepted a finished job")
    }
}
