import Foundation
import Synchronization
import VMAllocator
import XCTest

@testable import DockerVM

/// After a node failure nothing signals the VM step: it must notice from Slurm that its job ended.
final class JobWatchTests: XCTestCase {
    /// A job that runs for `runningChecks` looks, then has `final` state; or slurmctld is unreachable meanwhile.
    final class ScriptedScheduler: Scheduler, Sendable {
        let looks = Atomic<Int>(0)
        let runningChecks: Int
        let final: JobState?
        let unreachableFirst: Bool

        init(runningChecks: Int, final: JobState?, unreachableFirst: Bool = false) {
            self.runningChecks = runningChecks
            self.final = final
            self.unreachableFirst = unreachableFirst
        }

        func job(_ id: String) async throws(JobError) -> JobInfo? {
            let look = looks.add(1, ordering: .relaxed).newValue
            if unreachableFirst && look == 1 { throw JobError(code: .unreachable, message: "cannot reach slurmctld") }
            if look <= runningChecks { return JobInfo(id: id, userID: 1000, state: .running) }
            return final.map { JobInfo(id: id, userID: 1000, state: $0) }
        }
        func jobs(ofUser uid: uid_t) async throws(JobError) -> [JobInfo] { [] }
        func cancel(_ id: String, signal: Int32?) async throws(JobError) {}
        func signalStep(_ id: String, step: UInt32, signal: Int32) async throws(JobError) {}
        func nodeAddress(_ nodeName: String) async throws(JobError) -> (hostname: String, address: String) {
            (nodeName, nodeName)
        }
    }

    func testANodeFailureEndsTheWatch() async {
        let scheduler = ScriptedScheduler(runningChecks: 2, final: .nodeFail, unreachableFirst: true)
        let watch = JobWatch(scheduler: scheduler, jobID: "9", interval: .milliseconds(10))
        let state = await watch.waitForEnd()
        XCTAssertEqual(state, "nodeFail")
        XCTAssertEqual(scheduler.looks.load(ordering: .relaxed), 3, "an unreachable slurmctld is no reason to stop")
    }

    func testACompletingOrForgottenJobIsOver() async {
        let completing = await JobWatch(
            scheduler: ScriptedScheduler(runningChecks: 0, final: .completing), jobID: "9",
            interval: .milliseconds(10)
        ).waitForEnd()
        XCTAssertEqual(completing, "completing")
        let gone = await JobWatch(
            scheduler: ScriptedScheduler(runningChecks: 1, final: nil), jobID: "9",
            interval: .milliseconds(10)
        ).waitForEnd()
        XCTAssertEqual(gone, "gone")
    }

    func testCancellationStopsWatchingARunningJob() async {
        let watch = JobWatch(
            scheduler: ScriptedScheduler(runningChecks: .max, final: nil), jobID: "9", interval: .milliseconds(10))
        let task = Task { await watch.waitForEnd() }
        try? await Task.sleep(for: .milliseconds(50))
        task.cancel()
        let state = await task.value
        XCTAssertNil(state)
    }
}
