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
        let signals = TerminationSignals()
        let started = Date()
        do {
            _ = try await signals.run {
                kill(getpid(), SIGHUP)
                try await Task.sleep(for: .seconds(30))
                return 0
            }
            XCTFail("expected a cancellation")
        } catch is CancellationError {
            XCTAssertEqual(signals.receivedSignal, SIGHUP)
            XCTAssertLessThan(Date().timeIntervalSince(started), 10)
        }
    }

    func testProcessStatus() {
        XCTAssertTrue(ProcessStatus.isRunning(getpid()))
        XCTAssertFalse(ProcessStatus.isRunning(0))
        XCTAssertFalse(ProcessStatus.isRunning(Int32.max))
    }
}
