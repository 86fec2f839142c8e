import CLISupport
import HostSystem

/// Runs the work of export, import, edit or build so that Ctrl-C (SIGINT) or SIGTERM cancels it (children ended,
/// temporaries removed) and the command fails with one line, "interrupted ...: `notDone`", and the shell's status
/// for the signal (130, 143) instead of the error of the child our teardown killed.
func interruptible<T: Sendable>(notDone: String, _ work: @escaping @Sendable () async throws -> T) async throws -> T {
    try await TerminationSignals().run(interrupted: { CommandFailure.interrupted(by: $0, notDone) }, work)
}
