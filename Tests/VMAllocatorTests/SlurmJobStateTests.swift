import Foundation
import XCTest

@testable import VMAllocator

/// The Slurm logic that needs no cluster: state mapping, time left, config lookup, error mapping.
final class SlurmJobStateTests: XCTestCase {
    func testBaseStatesMapInSlurmOrder() {
        let expected: [JobState] = [
            .pending, .running, .suspended, .completed, .cancelled, .failed, .timeout,
            .nodeFail, .preempted, .bootFail, .deadline, .outOfMemory,
        ]
        for (raw, state) in expected.enumerated() {
            XCTAssertEqual(JobState(slurmState: UInt32(raw)), state, "job_state \(raw)")
        }
        XCTAssertEqual(JobState(slurmState: 12), .unknown, "JOB_END is not a state")
        XCTAssertEqual(JobState(slurmState: 0xff), .unknown)
    }

    func testFlagsAreIgnoredExceptCompleting() {
        let completing: UInt32 = 1 << 15
        let configuring: UInt32 = 1 << 14
        XCTAssertEqual(JobState(slurmState: 1 | configuring), .running)
        XCTAssertEqual(JobState(slurmState: 4 | completing), .completing, "cancelled but still cleaning up")
        XCTAssertEqual(JobState(slurmState: 1 | completing), .completing)
        XCTAssertEqual(JobState(slurmState: 3 | (1 << 9)), .completed)
    }

    func testActiveStates() {
        let active = JobState.allCases.filter(\.isActive)
        XCTAssertEqual(Set(active), [.pending, .running, .suspended, .completing])
    }

    private let start = Date(timeIntervalSince1970: 1_800_000_000)

    func testTimeLeftOfRunningJob() {
        let job = JobInfo(
            id: "7", userID: 1000, state: .running, timeLimit: 600, startTime: start,
            endTime: start.addingTimeInterval(600))
        XCTAssertEqual(job.runTime(at: start.addingTimeInterval(100)), 100)
        XCTAssertEqual(job.timeLeft(at: start.addingTimeInterval(100)), 500)
        XCTAssertEqual(job.timeLeft(at: start.addingTimeInterval(900)), 0, "never negative")
    }

    func testTimeLeftCountsSuspensions() {
        // Ran 50 s, was suspended, resumed at start+200: at start+300 it has run 150 s.
        let resumed = JobInfo(
            id: "7", userID: 1000, state: .running, timeLimit: 600, startTime: start,
            suspendTime: start.addingTimeInterval(200), preSuspendTime: 50)
        XCTAssertEqual(resumed.timeLeft(at: start.addingTimeInterval(300)), 450)
        var suspended = resumed
        suspended.state = .suspended
        XCTAssertEqual(suspended.timeLeft(at: start.addingTimeInterval(10_000)), 550, "the clock stops while suspended")
    }

    func testTimeLeftOfPendingUnlimitedAndEndedJobs() {
        let pending = JobInfo(id: "8", userID: 1000, state: .pending, timeLimit: 3600, startTime: start)
        XCTAssertEqual(pending.timeLeft(at: start.addingTimeInterval(-5000)), 3600)
        let unlimited = JobInfo(id: "9", userID: 1000, state: .running, timeLimit: nil, startTime: start)
        XCTAssertNil(unlimited.timeLeft(at: start))
        let ended = JobInfo(
            id: "10", userID: 1000, state: .cancelled, timeLimit: 600, startTime: start,
            endTime: start.addingTimeInterval(42))
        XCTAssertEqual(ended.timeLeft(at: start.addingTimeInterval(100)), 0)
        XCTAssertEqual(ended.runTime(at: start.addingTimeInterval(100)), 42, "run time stops at the real end")
    }

    func testFirstNode() {
        XCTAssertEqual(JobInfo(id: "1", userID: 0, state: .running, nodes: "node[2-4]").firstNode, "node2")
        XCTAssertEqual(JobInfo(id: "1", userID: 0, state: .running, nodes: "gpu07,node1").firstNode, "gpu07")
        XCTAssertNil(JobInfo(id: "1", userID: 0, state: .pending).firstNode)
    }

    func testJobIDParsing() throws {
        XCTAssertEqual(try JobID.parse("1756494"), 1_756_494)
        for bad in ["", "abc", "12_3", "-1", "0", "4294967295"] {
            XCTAssertThrowsError(try JobID.parse(bad)) { error in
                XCTAssertEqual((error as? JobError)?.code, .invalidJobID, bad)
            }
        }
    }

    // slurm_init exits the process without a configuration: this check must catch every such case first.
    func testConfigurationLookup() throws {
        let files: Set<String> = ["/etc/slurm/slurm.conf", "/tmp/c/slurm.conf"]
        let exists = { (path: String) in files.contains(path) }
        XCTAssertEqual(try SlurmConfiguration.path(environment: [:], isReadableFile: exists), "/etc/slurm/slurm.conf")
        XCTAssertEqual(
            try SlurmConfiguration.path(environment: ["SLURM_CONF": "/tmp/c/slurm.conf"], isReadableFile: exists),
            "/tmp/c/slurm.conf")
        XCTAssertEqual(
            try SlurmConfiguration.path(environment: ["SLURM_CONF": ""], isReadableFile: exists),
            "/etc/slurm/slurm.conf")

        XCTAssertThrowsError(try SlurmConfiguration.path(environment: [:], isReadableFile: { _ in false })) { error in
            XCTAssertEqual(error as? JobError, .noConfiguration("set SLURM_CONF or create /etc/slurm/slurm.conf"))
            XCTAssertEqual(
                "\(error)", "no Slurm configuration: set SLURM_CONF or create /etc/slurm/slurm.conf")
        }
        // A SLURM_CONF that names nothing must not fall back to /etc: the user asked for that cluster.
        XCTAssertThrowsError(try SlurmConfiguration.path(environment: ["SLURM_CONF": "/nope"], isReadableFile: exists))
        {
            XCTAssertEqual(($0 as? JobError)?.code, .noConfiguration)
            XCTAssertTrue("\($0)".contains("SLURM_CONF=/nope"))
        }
    }

    func testSchedulerWithoutConfigurationThrowsInsteadOfExiting() {
        XCTAssertThrowsError(try SlurmScheduler(environment: ["SLURM_CONF": "/nonexistent/slurm.conf"])) {
            XCTAssertEqual(($0 as? JobError)?.code, .noConfiguration)
        }
    }

    func testErrorMapping() {
        let notFound = JobError.fromSlurm(errno: 2017, reason: "Invalid job id specified", subject: .job("123"))
        XCTAssertEqual(notFound.code, .jobNotFound)
        XCTAssertTrue(notFound.message.hasPrefix("job 123 not found"), notFound.message)
        XCTAssertEqual(notFound.slurmErrno, 2017)

        let down = JobError.fromSlurm(
            errno: 1800, reason: "Unable to contact slurm controller (connect failure)", subject: .job("1"))
        XCTAssertEqual(down.code, .unreachable)
        XCTAssertEqual(down.message, "cannot reach slurmctld: Unable to contact slurm controller (connect failure)")

        let denied = JobError.fromSlurm(errno: 2002, reason: "Access/permission denied", subject: .job("5"))
        XCTAssertEqual(denied.code, .permissionDenied)
        XCTAssertTrue(denied.message.hasPrefix("job 5:"), denied.message)

        XCTAssertEqual(JobError.fromSlurm(errno: 2018, reason: "x", subject: .node("n9")).code, .nodeNotFound)
        XCTAssertEqual(JobError.fromSlurm(errno: 2013, reason: "x", subject: .job("1")).code, .failed)
    }

    func testOwnedJob() async throws {
        let scheduler = JobTableScheduler(jobs: [JobInfo(id: "42", userID: 0, state: .running, nodes: "node1")])
        let job = try await scheduler.ownedJob("42", by: 0)
        XCTAssertEqual(job.firstNode, "node1")
        do {
            _ = try await scheduler.ownedJob("42", by: 4242)
            XCTFail("expected notOwner")
        } catch {
            XCTAssertEqual(error.code, .notOwner)
            XCTAssertEqual(error.message, "job 42 belongs to user root")
        }
        do {
            _ = try await scheduler.ownedJob("43", by: 0)
            XCTFail("expected jobNotFound")
        } catch {
            XCTAssertEqual(error.code, .jobNotFound)
        }
    }
}

/// A scheduler holding a fixed job table (private: other suites have their own fakes).
private struct JobTableScheduler: Scheduler {
    var jobs: [JobInfo]

    func job(_ id: String) async throws(JobError) -> JobInfo? { jobs.first { $0.id == id } }
    func jobs(ofUser uid: uid_t) async throws(JobError) -> [JobInfo] { jobs.filter { $0.userID == uid } }
    func cancel(_ id: String, signal: Int32?) async throws(JobError) {
        guard jobs.contains(where: { $0.id == id }) else { throw .jobNotFound(id) }
    }
    func signalStep(_ id: String, step: UInt32, signal: Int32) async throws(JobError) {}
    func nodeAddress(_ nodeName: String) async throws(JobError) -> (hostname: String, address: String) {
        (nodeName, "127.0.0.1")
    }
}
