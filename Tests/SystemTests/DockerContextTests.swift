import ChildProcess
import Foundation
import XCTest

/// Each docker job is also a docker context (`pcocc-JOBID`) that the docker CLI uses from any shell, and that goes
/// when the job ends. Services: the Slurm cluster and guest image of scripts/test.sh (one VM).
final class DockerContextTests: XCTestCase {
    func testAJobIsAContextUntilItEnds() async throws {
        let system = try SystemTestEnvironment.require()
        let jobID = try await system.startDockerJob(name: "systest-context", minutes: 10)
        defer { Task { _ = try? await system.runAsUser(["scancel", jobID]) } }

        // At once: `shell` (startDockerJob's wait) writes the context when it sees the VM before the launcher does.
        let contexts = try await system.runAsUser([
            "docker", "context", "ls", "--format", "{{.Name}} {{.DockerEndpoint}}",
        ])
        XCTAssertTrue(contexts.outputString.contains("pcocc-\(jobID) tcp://"), contexts.outputString)
        // No DOCKER_HOST in this environment: the context alone reaches the job's daemon over mutual TLS.
        let version = try await system.runAsUser([
            "docker", "--context", "pcocc-\(jobID)", "version", "--format", "{{.Server.Os}}",
        ])
        XCTAssertEqual(version.outputString.trimmingCharacters(in: .whitespacesAndNewlines), "linux", version.errorTail)
        let use = try await system.runAsUser(["docker", "context", "use", "pcocc-\(jobID)"])
        XCTAssertEqual(use.status, 0, use.errorTail)
        let viaCurrent = try await system.runAsUser(["docker", "ps", "--format", "{{.ID}}"])
        XCTAssertEqual(viaCurrent.status, 0, viaCurrent.errorTail)

        let stop = try await system.pcoccDocker(["stop", "-j", jobID])
        XCTAssertEqual(stop.status, 0, stop.errorTail)
        let after = try await system.runAsUser(["docker", "context", "ls", "--format", "{{.Name}}"])
        XCTAssertFalse(after.outputString.contains("pcocc-\(jobID)"), after.outputString)
        XCTAssertEqual(
            after.status, 0, "the removed context was the current one: docker must still work\n\(after.errorTail)")
    }

    func testAnEndedJobsContextGoesWithTheNextCommand() async throws {
        let system = try SystemTestEnvironment.require()
        // A context left by a killed launcher (no state directory): the next command removes it.
        let store = "\(system.home)/.docker/contexts"
        let name = "pcocc-999991"
        try await system.runAsUser([
            "docker", "context", "create", name, "--docker", "host=tcp://127.0.0.1:1",
        ])
        var listed = try await system.runAsUser(["docker", "context", "ls", "--format", "{{.Name}}"])
        XCTAssertTrue(listed.outputString.contains(name), listed.outputString)
        _ = try await system.pcoccDocker(["images"])
        listed = try await system.runAsUser(["docker", "context", "ls", "--format", "{{.Name}}"])
        XCTAssertFalse(listed.outputString.contains(name), listed.outputString)
        XCTAssertTrue(FileManager.default.fileExists(atPath: store))
    }
}
