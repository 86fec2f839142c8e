import Foundation
import Synchronization
import XCTest

@testable import VMAllocator

/// The launcher's decisions, with a fake step in place of srun: when the VM is ready the shell runs and the step is
/// stopped after it; a step that dies says why through its failure record; a VM that never answers times out; batch
/// without a script waits for the step; the job directory goes on every path.
final class DockerJobLauncherTests: XCTestCase {
    var state = ""

    override func setUpWithError() throws {
        state = NSTemporaryDirectory() + "launcher-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
        chmod(state, 0o700)
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: state) }

    /// A step whose behaviour the test scripts: it can become ready, fail with a record, or run until stopped.
    final class FakeStep: RunningStep, Sendable {
        private let running = Atomic<Bool>(true)
        var isRunning: Bool { running.load(ordering: .relaxed) }
        func end() { running.store(false, ordering: .relaxed) }
    }

    final class FakeRunner: JobStepRunner, Sendable {
        enum Behaviour: Sendable { case becomesReady, failsWith(VMFailureRecord?), neverAnswers }
        let behaviour: Behaviour
        let step = FakeStep()
        let stopped = Atomic<Bool>(false)
        let command = Mutex<[String]>([])

        init(_ behaviour: Behaviour) { self.behaviour = behaviour }

        func withStep<T: Sendable>(
            _ command: [String], jobID: String, node: String, log: String,
            body: @escaping @Sendable (any RunningStep) async throws -> T
        ) async throws -> T {
            self.command.withLock { $0 = command }
            let directory = JobDirectory(path: command[3], jobID: jobID)
            try "srun's output\n".write(toFile: log, atomically: false, encoding: .utf8)
            switch behaviour {
            case .becomesReady:
                let record = EndpointRecord(host: "node1", port: 4000, node: "node1", started: 0, pid: 1)
                try JSONEncoder().encode(record).write(to: URL(fileURLWithPath: directory.endpointFile))
            case .failsWith(let failure):
                try failure?.write(to: directory.failureFile)
                step.end()
            case .neverAnswers:
                break
            }
            return try await body(step)
        }

        func stop(_ step: any RunningStep, jobID: String, timeout: Duration) async {
            stopped.store(true, ordering: .relaxed)
            self.step.end()
        }
    }

    func launcher(_ runner: FakeRunner, timeout: Int = 30) -> DockerJobLauncher {
        let directory = JobDirectory(stateDirectory: state, jobID: "42")
        let identity = JobIdentity(
            jobID: "42", userName: "alice", jobEnd: nil, node: "node1", serverNames: ["node1"],
            serverAddresses: ["10.0.0.1"], endpointHost: "10.0.0.1")
        let step = VMStepCommand(
            executable: "/opt/pcocc-docker-node", jobDirectory: directory.path, jobID: "42", nodeAddress: "10.0.0.1",
            readyTimeoutSeconds: timeout)
        return DockerJobLauncher(
            identity: identity, directory: directory, vmStep: step, steps: runner,
            readiness: { directory in try EndpointRecord.read(from: directory.endpointFile) })
    }

    func testReadyVMRunsTheShellThenStopsTheStepAndRemovesTheState() async throws {
        let runner = FakeRunner(.becomesReady)
        let directory = "\(state)/job_42"
        let status = try await launcher(runner).run { endpoint, job in
            XCTAssertEqual(endpoint.port, 4000)
            XCTAssertTrue(
                FileManager.default.fileExists(atPath: "\(job.clientCertificates)/key.pem"), "certificates first")
            return 7
        }
        XCTAssertEqual(status, 7)
        XCTAssertTrue(runner.stopped.load(ordering: .relaxed), "the step is stopped once the shell ends")
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory), "the job directory goes with the job")
        XCTAssertEqual(
            runner.command.withLock { $0 },
            [
                "/opt/pcocc-docker-node", "vm", "--job-dir", directory, "--job-id", "42", "--host", "10.0.0.1",
                "--ready-timeout", "30",
            ])
    }

    func testAFailedStepSaysWhyFromItsRecordAndKeepsTheLogs() async throws {
        let record = VMFailureRecord(code: "guestImageMissing", message: "guest image not found at /x: build it")
        do {
            _ = try await launcher(FakeRunner(.failsWith(record))).run { _, _ in 0 }
            XCTFail("expected a failure")
        } catch let error as JobError {
            XCTAssertTrue(error.description.contains("guest image not found at /x: build it"), error.description)
            XCTAssertTrue(error.description.contains("\(state)/logs/"), error.description)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(state)/job_42"))
    }

    func testAStepKilledWithoutARecordIsSaidSo() async throws {
        do {
            _ = try await launcher(FakeRunner(.failsWith(nil))).run { _, _ in 0 }
            XCTFail("expected a failure")
        } catch let error as JobError {
            XCTAssertTrue(error.description.contains("the VM step ended without saying why"), error.description)
        }
    }

    func testAVMThatNeverAnswersTimesOutAndIsStopped() async throws {
        let runner = FakeRunner(.neverAnswers)
        do {
            _ = try await launcher(runner, timeout: 1).run { _, _ in 0 }
            XCTFail("expected a timeout")
        } catch let error as JobError {
            XCTAssertTrue(error.description.contains("was not ready after 1 s"), error.description)
        }
        XCTAssertTrue(runner.stopped.load(ordering: .relaxed))
    }

    func testBatchWithoutAScriptKeepsTheVMUntilTheStepEnds() async throws {
        let runner = FakeRunner(.becomesReady)
        let launcher = self.launcher(runner)
        let task = Task { try await launcher.run { _, _ in nil } }
        try await Task.sleep(for: .milliseconds(300))
        XCTAssertFalse(runner.stopped.load(ordering: .relaxed), "the VM stays while the job runs")
        task.cancel()
        do {
            _ = try await task.value
            XCTFail("a cancelled batch launcher throws")
        } catch is CancellationError {
        }
        XCTAssertTrue(runner.stopped.load(ordering: .relaxed), "cancellation (scancel, time limit) stops the step")
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(state)/job_42"))
    }

    func testAnUntrustedStateDirectoryIsRefusedBeforeAnythingIsWritten() async throws {
        chmod(state, 0o777)
        do {
            _ = try await launcher(FakeRunner(.becomesReady)).run { _, _ in 0 }
            XCTFail("expected a refusal")
        } catch let error as JobError {
            XCTAssertTrue(error.description.contains("is writable by other users"), error.description)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(state)/job_42"))
    }
}
