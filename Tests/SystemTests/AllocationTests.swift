import ChildProcess
import Foundation
import XCTest

/// alloc, batch, shell, env, ps and stop on the real Slurm cluster with the real Docker VM, as an
/// ordinary user. Services: the cluster and guest image of scripts/test.sh; each test boots VMs (TCG).
final class AllocationTests: XCTestCase {
    func testAllocRunsTheScriptAgainstTheJobsDaemonAndReturnsItsStatus() async throws {
        let system = try SystemTestEnvironment.require()
        let layout = try await system.makeBusyboxLayout()
        defer { try? FileManager.default.removeItem(atPath: layout) }
        let script = """
            docker version --format '{{.Server.Os}}' && \
            skopeo copy --quiet oci:\(layout):latest docker-archive:/dev/stdout:bb:latest | docker load --quiet && \
            docker run --rm bb echo hello-from-the-vm && echo "job=$PCOCC_JOB_ID" && exit 7
            """
        let result = try await system.pcoccDocker(["alloc", "-E", script, "--time=10"])
        XCTAssertEqual(result.status, 7, "alloc must return the script's status; stderr: \(result.errorTail)")
        XCTAssertTrue(result.outputString.contains("linux"), result.outputString)
        XCTAssertTrue(result.outputString.contains("hello-from-the-vm"), result.outputString)
        XCTAssertTrue(result.errorTail.contains("Starting the docker VM ..."), result.errorTail)
        XCTAssertTrue(result.errorTail.contains("Granted job allocation"), result.errorTail)
        XCTAssertTrue(result.errorTail.contains("Waiting for docker VM to start ..."), result.errorTail)
        let jobID = try XCTUnwrap(
            result.outputString.split(separator: "\n").first { $0.hasPrefix("job=") }?.dropFirst(4))
        XCTAssertFalse(
            FileManager.default.fileExists(atPath: "\(system.home)/.pcocc/job_\(jobID)"), "state directory left behind")
        let left = try await system.waitForNoVMProcesses()
        XCTAssertEqual(left, [], "VM processes survived alloc")
        let scratchLeft = try await system.scratchLeft(jobID: String(jobID))
        XCTAssertFalse(scratchLeft, "scratch directory left on the node")
    }

    func testBatchThenEnvShellPsAndStop() async throws {
        let system = try SystemTestEnvironment.require()
        let submitted = try await system.pcoccDocker(["batch", "--time=10", "-J", "systest-batch"])
        XCTAssertEqual(submitted.status, 0, submitted.errorTail)
        let line = submitted.outputString.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertTrue(line.hasPrefix("Submitted batch job "), line)
        let jobID = String(line.dropFirst("Submitted batch job ".count))
        defer { Task { _ = try? await system.runAsUser(["scancel", jobID]) } }

        // shell waits for the VM, then runs the script against it.
        let shell = try await system.pcoccDocker([
            "shell", "-j", jobID, "-E", "docker info --format '{{.ServerVersion}}' && exit 3",
        ])
        XCTAssertEqual(shell.status, 3, shell.errorTail)
        XCTAssertFalse(shell.outputString.isEmpty)

        // env prints only exports; eval-ing them reaches the daemon; -J selects by name.
        let env = try await system.pcoccDocker(["env", "-J", "systest-batch", "--shell", "bash"])
        XCTAssertEqual(env.status, 0, env.errorTail)
        XCTAssertTrue(env.outputString.contains("export DOCKER_HOST='tcp://"), env.outputString)
        XCTAssertTrue(env.outputString.contains("export DOCKER_TLS_VERIFY='1'"), env.outputString)
        let viaEval = try await system.runAsUser([
            "/bin/bash", "-c", "eval $(\(system.binary) env -j \(jobID)) && docker ps --format '{{.ID}}' && echo ok",
        ])
        XCTAssertEqual(viaEval.status, 0, viaEval.errorTail)
        XCTAssertTrue(viaEval.outputString.contains("ok"))

        let ps = try await system.pcoccDocker(["ps"])
        XCTAssertTrue(ps.outputString.contains(jobID) && ps.outputString.contains("ready"), ps.outputString)

        let stop = try await system.pcoccDocker(["stop", "-j", jobID])
        XCTAssertEqual(stop.status, 0, stop.errorTail)
        XCTAssertTrue(stop.outputString.contains("Stopped job \(jobID)"), stop.outputString)
        let left = try await system.waitForNoVMProcesses()
        XCTAssertEqual(left, [], "VM processes survived stop")

        // A finished job is refused with one clear line.
        let after = try await system.pcoccDocker(["env", "-j", jobID])
        XCTAssertNotEqual(after.status, 0)
        XCTAssertTrue(after.errorTail.contains(jobID), after.errorTail)
    }

    func testTwoJobsHaveDistinctDaemonsAndScancelLeavesNoQEMU() async throws {
        let system = try SystemTestEnvironment.require()
        var jobs: [String] = []
        for name in ["systest-a", "systest-b"] {
            let submitted = try await system.pcoccDocker(["batch", "--time=10", "-J", name])
            XCTAssertEqual(submitted.status, 0, submitted.errorTail)
            jobs.append(
                String(
                    submitted.outputString.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: " ").last
                        ?? ""))
        }
        defer { for job in jobs { Task { _ = try? await system.runAsUser(["scancel", job]) } } }
        var endpoints: [[String: String]] = []
        for job in jobs {
            let ready = try await system.pcoccDocker(["shell", "-j", job, "-E", "true"])
            XCTAssertEqual(ready.status, 0, ready.errorTail)
            let env = try await system.pcoccDocker(["env", "-j", job, "--json"])
            let object = try JSONSerialization.jsonObject(with: env.output) as? [String: String]
            endpoints.append(try XCTUnwrap(object))
        }
        XCTAssertNotEqual(endpoints[0]["DOCKER_HOST"], endpoints[1]["DOCKER_HOST"])
        XCTAssertNotEqual(endpoints[0]["DOCKER_CERT_PATH"], endpoints[1]["DOCKER_CERT_PATH"])

        // Job A's client certificate does not open job B's daemon.
        let crossed = try await system.runAsUser(
            ["docker", "version"],
            environment: [
                "DOCKER_HOST": endpoints[1]["DOCKER_HOST"] ?? "", "DOCKER_TLS_VERIFY": "1",
                "DOCKER_CERT_PATH": endpoints[0]["DOCKER_CERT_PATH"] ?? "",
            ])
        XCTAssertNotEqual(crossed.status, 0, "job A's certificate was accepted by job B's daemon")
        let own = try await system.runAsUser(["docker", "version"], environment: endpoints[1])
        XCTAssertEqual(own.status, 0, own.errorTail)

        // scancel (not our stop) of both: Slurm's own signals must take the VMs down.
        for job in jobs { try await system.runAsUser(["scancel", job]) }
        let left = try await system.waitForNoVMProcesses(seconds: 60)
        XCTAssertEqual(left, [], "VM processes survived scancel")
        for job in jobs {
            let left = try await system.scratchLeft(jobID: job)
            XCTAssertFalse(left, "scratch of job \(job) left")
        }
    }

    func testErrorsAreOneClearLine() async throws {
        let system = try SystemTestEnvironment.require()
        let unknown = try await system.pcoccDocker(["env", "-j", "999999"])
        XCTAssertNotEqual(unknown.status, 0)
        XCTAssertTrue(unknown.errorTail.contains("999999"), unknown.errorTail)
        XCTAssertEqual(unknown.outputString, "", "nothing on stdout for eval to run")

        let noConfig = try await system.pcoccDocker(["ps"], environment: ["SLURM_CONF": "/nonexistent/slurm.conf"])
        XCTAssertNotEqual(noConfig.status, 0)
        XCTAssertTrue(noConfig.errorTail.contains("/nonexistent/slurm.conf"), noConfig.errorTail)
        XCTAssertEqual(noConfig.errorTail.split(separator: "\n").count, 1, noConfig.errorTail)

        let badTemplate = try await system.pcoccDocker(["alloc", "-t", "centos"])
        XCTAssertNotEqual(badTemplate.status, 0)
        XCTAssertTrue(badTemplate.errorTail.contains("template 'centos'"), badTemplate.errorTail)
    }
}
