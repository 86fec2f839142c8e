import Foundation
import XCTest

@testable import VMAllocator

/// A scheduler with a fixed job table: selection logic without a cluster.
struct FakeScheduler: Scheduler {
    var table: [JobInfo]

    func job(_ id: String) async throws(JobError) -> JobInfo? { table.first { $0.id == id } }
    func jobs(ofUser uid: uid_t) async throws(JobError) -> [JobInfo] { table.filter { $0.userID == uid } }
    func cancel(_ id: String, signal: Int32?) async throws(JobError) {}
    func signalStep(_ id: String, step: UInt32, signal: Int32) async throws(JobError) {}
    func nodeAddress(_ nodeName: String) async throws(JobError) -> (hostname: String, address: String) {
        (nodeName, "10.0.0.1")
    }
}

final class JobSelectorTests: XCTestCase {
    var state = ""

    override func setUpWithError() throws {
        state = NSTemporaryDirectory() + "selector-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: state) }

    func docker(
        _ id: String, _ state: JobState = .running, user: uid_t = 1000, name: String = "pcocc-docker"
    ) -> JobInfo {
        JobInfo(id: id, name: name, userID: user, state: state, comment: "pcocc-docker")
    }

    func selector(_ jobs: [JobInfo]) -> JobSelector {
        JobSelector(scheduler: FakeScheduler(table: jobs), stateDirectory: state, userID: 1000)
    }

    func testTheOnlyDockerJobIsChosen() async throws {
        let plain = JobInfo(id: "7", userID: 1000, state: .running)
        let (job, directory) = try await selector([plain, docker("8")]).select(
            jobID: nil, jobName: nil, environment: [:])
        XCTAssertEqual(job.id, "8")
        XCTAssertEqual(directory.path, "\(state)/job_8")
    }

    func testTheShellsJobWinsOverTheOthers() async throws {
        let (job, _) = try await selector([docker("8"), docker("9")]).select(
            jobID: nil, jobName: nil, environment: ["PCOCC_JOB_ID": "9"])
        XCTAssertEqual(job.id, "9")
    }

    func testSeveralJobsAreListed() async {
        do {
            _ = try await selector([docker("8"), docker("9", .pending)]).select(
                jobID: nil, jobName: nil, environment: [:])
            XCTFail("expected an error")
        } catch {
            XCTAssertTrue("\(error)".contains("8 (pcocc-docker, running)"), "\(error)")
            XCTAssertTrue("\(error)".contains("9 (pcocc-docker, pending)"), "\(error)")
            XCTAssertTrue("\(error)".contains("-j JOBID"), "\(error)")
        }
    }

    func testNoJobSaysHowToStartOne() async {
        do {
            _ = try await selector([docker("3", .completed)]).select(jobID: nil, jobName: nil, environment: [:])
            XCTFail("expected an error")
        } catch {
            XCTAssertTrue("\(error)".contains("pcocc-docker alloc"), "\(error)")
        }
    }

    func testByNameAndByID() async throws {
        let jobs = [docker("8", name: "a"), docker("9", name: "b")]
        let (named, _) = try await selector(jobs).select(jobID: nil, jobName: "b", environment: [:])
        XCTAssertEqual(named.id, "9")
        let (byID, _) = try await selector(jobs).select(jobID: "8", jobName: nil, environment: ["PCOCC_JOB_ID": "9"])
        XCTAssertEqual(byID.id, "8")
    }

    func testOtherUsersFinishedAndNonDockerJobsAreRefused() async throws {
        let other = docker("5", user: 2000)
        let finished = docker("6", .completed)
        let plain = JobInfo(id: "7", userID: 1000, state: .running)
        let stale = JobDirectory(stateDirectory: state, jobID: "6")
        try stale.create()
        for (id, expected) in [
            ("5", "belongs"), ("6", "has finished"), ("7", "not a pcocc-docker job"), ("99", "not found"),
        ] {
            do {
                _ = try await selector([other, finished, plain]).select(jobID: id, jobName: nil, environment: [:])
                XCTFail("job \(id) should be refused")
            } catch {
                XCTAssertTrue("\(error)".contains(expected), "job \(id): \(error)")
            }
        }
        XCTAssertFalse(stale.exists, "a finished job's leftover state directory is removed")
    }
}
