import Foundation
import HostSystem
import XCTest

final class SignalWatchTests: XCTestCase {
    func testASignalIsRecordedAndWakesAWaiterInsteadOfKilling() async throws {
        let watch = SignalWatch([SIGUSR1])
        defer { watch.stop() }
        XCTAssertNil(watch.received)
        async let woken = watch.next()
        try await Task.sleep(for: .milliseconds(50))
        kill(getpid(), SIGUSR1)
        let number = await woken
        XCTAssertEqual(number, SIGUSR1)
        XCTAssertEqual(watch.received, SIGUSR1)
        let again = await watch.next()
        XCTAssertEqual(again, SIGUSR1, "a later waiter returns at once")
    }

    func testTerminationSignalsCancelTheTask() async throws {
        // Not the default SIGHUP: DockerVMTests' VMSupervisor (its LifetimeMonitor) watches and stops it earlier in this
        // process, and libdispatch does not watch a signal again once its source was cancelled (failed so in CI).
        let signals = TerminationSignals([SIGPWR])
        let started = Date()
        do {
            _ = try await signals.run {
                // Again until it lands: the first may come before the watch's source is serving.
                for _ in 0..<300 {
                    kill(getpid(), SIGPWR)
                    try await Task.sleep(for: .milliseconds(100))
                }
                return 0
            }
            XCTFail("expected a cancellation")
        } catch is CancellationError {
            XCTAssertEqual(signals.receivedSignal, SIGPWR)
            XCTAssertLessThan(Date().timeIntervalSince(started), 10)
        }
    }

    private struct Stopped: Error, Equatable { let signal: Int32 }
    private struct ChildFailed: Error {}

    // Each test its own signal: libdispatch does not watch again a signal whose source was cancelled.
    func testAFailureAfterASignalBecomesTheInterruption() async throws {
        let signals = TerminationSignals([SIGUSR2])
        do {
            _ = try await signals.run(interrupted: { Stopped(signal: $0) }) {
                kill(getpid(), SIGUSR2)
                try await Task.sleep(for: .seconds(30))
                return 0
            }
            XCTFail("expected the interruption")
        } catch let error as Stopped {
            XCTAssertEqual(error, Stopped(signal: SIGUSR2))
        }
    }

    func testASignalJustAfterAFailureStillCounts() async throws {
        // A child in our process group gets the terminal's Ctrl-C too and may fail before our handler runs.
        let signals = TerminationSignals([SIGALRM])
        do {
            _ = try await signals.run(grace: .seconds(5), interrupted: { Stopped(signal: $0) }) {
                () async throws -> Int in
                DispatchQueue.global().asyncAfter(deadline: .now() + 0.1) { kill(getpid(), SIGALRM) }
                throw ChildFailed()
            }
            XCTFail("expected the interruption")
        } catch let error as Stopped {
            XCTAssertEqual(error, Stopped(signal: SIGALRM))
        }
    }

    func testAFailureWithoutASignalIsItself() async throws {
        let signals = TerminationSignals([SIGVTALRM])
        let started = Date()
        do {
            _ = try await signals.run(grace: .milliseconds(100), interrupted: { Stopped(signal: $0) }) {
                () async throws -> Int in
                throw ChildFailed()
            }
            XCTFail("expected the failure")
        } catch is ChildFailed {
            XCTAssertNil(signals.receivedSignal)
            XCTAssertLessThan(Date().timeIntervalSince(started), 5)
        }
    }

    func testProcessStatus() {
        XCTAssertTrue(ProcessStatus.isRunning(getpid()))
        XCTAssertFalse(ProcessStatus.isRunning(0))
        XCTAssertFalse(ProcessStatus.isRunning(Int32.max))
    }
}
