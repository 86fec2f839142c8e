import ChildProcess
import Foundation
import VMAllocator
import XCTest

/// SlurmScheduler against a real cluster: needs the one `scripts/slurm-cluster.sh start` runs
/// (scripts/test.sh starts it and sets PCOCC_TEST_SLURM_CONF). Submits `sleep` jobs and cancels them.
final class SlurmSchedulerTests: XCTestCase {
    /// The test cluster's slurm.conf; skips (or fails when system tests are required) without one.
    private func clusterConfiguration() throws -> String {
        let environment = ProcessInfo.processInfo.environment
        guard let path = environment["PCOCC_TEST_SLURM_CONF"], !path.isEmpty else {
            let message = "PCOCC_TEST_SLURM_CONF is not set: run scripts/test.sh (it starts a local Slurm cluster)"
            // CI sets PCOCC_SYSTEM_TESTS=required so a missing cluster fails instead of passing silently.
            if environment["PCOCC_SYSTEM_TESTS"] == "required" { throw MissingCluster(description: message) }
            throw XCTSkip(message)
        }
        return path
    }

    /// Who submits the test job: the ordinary test user when we are root (scripts/test-user.sh made
    /// it), so ownership is checked against someone else; otherwise ourselves.
    private func submitter() -> (prefix: [String], uid: uid_t, name: String?) {
        let testUser = ProcessInfo.processInfo.environment["PCOCC_TEST_USER"] ?? "pcoccci"
        if getuid() == 0, let record = getpwnam(testUser) {
            return (["runuser", "-u", testUser, "--"], record.pointee.pw_uid, testUser)
        }
        return ([], getuid(), nil)
    }

    private func submit(_ arguments: [String], conf: String, as prefix: [String]) async throws -> String {
        var environment = ProcessInfo.processInfo.environment
        environment["SLURM_CONF"] = conf
        let command = prefix + ["sbatch", "--parsable"] + arguments
        let result = try await ChildProcess.checked(
            command[0], Array(command.dropFirst()), environment: environment, workingDirectory: "/tmp")
        // --parsable prints "JOBID" or "JOBID;CLUSTER".
        let id =
            result.outputString.trimmingCharacters(in: .whitespacesAndNewlines)
            .split(separator: ";").first.map(String.init) ?? ""
        XCTAssertFalse(id.isEmpty, "sbatch printed no job id")
        return id
    }

    /// Polls until `condition` holds for the job (nil: slurmctld forgot it), or fails after `seconds`.
    private func waitFor(
        _ id: String, in scheduler: SlurmScheduler, seconds: Double, _ what: String,
        until condition: (JobInfo?) -> Bool
    ) async throws -> JobInfo? {
        let deadline = Date().addingTimeInterval(seconds)
        var job = try await scheduler.job(id)
        while !condition(job) {
            guard Date() < deadline else {
                XCTFail("job \(id) not \(what) after \(seconds) s: \(String(describing: job))")
                return job
            }
            try await Task.sleep(for: .milliseconds(200))
            job = try await scheduler.job(id)
        }
        return job
    }

    func testJobLifecycle() async throws {
        let conf = try clusterConfiguration()
        let scheduler = try SlurmScheduler(environment: ["SLURM_CONF": conf])
        let user = submitter()
        let id = try await submit(
            ["-J", "pcocc-systest", "--comment", "pcocc-docker-test", "-t", "7", "-c", "1", "--wrap", "sleep 300"],
            conf: conf, as: user.prefix)
        do {
            // The first job after the cluster starts waits up to ~3 s for slurmctld's scheduler.
            let found = try await waitFor(id, in: scheduler, seconds: 30, "running") { $0?.state == .running }
            let job = try XCTUnwrap(found)
            XCTAssertEqual(job.id, id)
            XCTAssertEqual(job.name, "pcocc-systest")
            XCTAssertEqual(job.userID, user.uid)
            XCTAssertEqual(job.nodes, "node1")
            XCTAssertEqual(job.firstNode, "node1")
            XCTAssertEqual(job.timeLimit, 420)
            XCTAssertEqual(job.comment, "pcocc-docker-test")
            XCTAssertTrue(job.isActive)
            XCTAssertNil(job.stateReason)
            let left = try XCTUnwrap(job.timeLeft())
            XCTAssertTrue(left > 380 && left <= 420, "time left \(left)")

            let mine = try await scheduler.jobs(ofUser: user.uid)
            XCTAssertTrue(mine.contains { $0.id == id }, "jobs(ofUser:) lacks \(id): \(mine.map(\.id))")

            let owned = try await scheduler.ownedJob(id, by: user.uid)
            XCTAssertEqual(owned.id, id)
            if let name = user.name {
                do {
                    _ = try await scheduler.ownedJob(id, by: 0)
                    XCTFail("root does not own the test user's job")
                } catch {
                    XCTAssertEqual(error.message, "job \(id) belongs to user \(name)")
                }
            }

            let address = try await scheduler.nodeAddress("node1")
            XCTAssertEqual(address.hostname, "localhost")
            XCTAssertEqual(address.address, "127.0.0.1")

            // A signal other than cancel reaches the job without ending it.
            try await scheduler.cancel(id, signal: SIGCONT)
            let signalled = try await scheduler.job(id)
            XCTAssertEqual(signalled?.state, .running)

            try await scheduler.cancel(id, signal: nil)
            let ended = try await waitFor(id, in: scheduler, seconds: 20, "ended") { !($0?.isActive ?? false) }
            if let ended { XCTAssertEqual(ended.state, .cancelled) }
            // Cancelling an ended job is not an error: the goal is met.
            try await scheduler.cancel(id, signal: nil)
        } catch {
            _ = try? await ChildProcess.run(
                "scancel", [id], environment: ["SLURM_CONF": conf, "PATH": "/usr/bin:/bin"])
            throw error
        }
    }

    func testPendingJobHasAReason() async throws {
        let conf = try clusterConfiguration()
        let scheduler = try SlurmScheduler(environment: ["SLURM_CONF": conf])
        let user = submitter()
        // Held at submission: it pends with reason "JobHeldUser" and never runs.
        let id = try await submit(["-H", "-t", "1", "--mem", "200", "--wrap", "true"], conf: conf, as: user.prefix)
        let job = try await scheduler.job(id)
        try await scheduler.cancel(id)
        XCTAssertEqual(job?.state, .pending)
        XCTAssertEqual(job?.stateReason, "JobHeldUser")
        XCTAssertEqual(job?.nodes, "")
        XCTAssertNil(job?.firstNode)
        XCTAssertEqual(job?.timeLimit, 60)
    }

    func testUnknownJobsAndNodes() async throws {
        let conf = try clusterConfiguration()
        let scheduler = try SlurmScheduler(environment: ["SLURM_CONF": conf])
        let unknown = try await scheduler.job("99999999")
        XCTAssertNil(unknown, "an unknown id (Slurm error 2017) is nil, not a job")
        do {
            _ = try await scheduler.ownedJob("99999999", by: getuid())
            XCTFail("expected jobNotFound")
        } catch {
            XCTAssertEqual(error.code, .jobNotFound)
            XCTAssertTrue(error.message.hasPrefix("job 99999999 not found"), error.message)
        }
        do {
            try await scheduler.cancel("99999999", signal: nil)
            XCTFail("expected jobNotFound")
        } catch {
            XCTAssertEqual(error.code, .jobNotFound)
            XCTAssertEqual(error.slurmErrno, 2017)
        }
        do {
            _ = try await scheduler.job("not-a-job")
            XCTFail("expected invalidJobID")
        } catch {
            XCTAssertEqual(error.code, .invalidJobID)
        }
        do {
            _ = try await scheduler.nodeAddress("no-such-node")
            XCTFail("expected nodeNotFound")
        } catch {
            XCTAssertEqual(error.code, .nodeNotFound)
            XCTAssertEqual(error.message, "node 'no-such-node' not found in the Slurm configuration")
        }
    }
}

private struct MissingCluster: Error, CustomStringConvertible {
    let description: String
}
