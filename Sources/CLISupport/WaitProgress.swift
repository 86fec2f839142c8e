import Foundation

/// What people see while they wait (for Slurm, for the VM): on a terminal one line rewritten in place with the
/// elapsed time, otherwise a line each time the message changes, so logs stay short.
public final class WaitProgress: @unchecked Sendable {
    private let started = ContinuousClock.now
    private let terminal: Bool
    private let lock = NSLock()
    private var lastMessage = ""
    private var lineOpen = false

    public init(terminal: Bool = isatty(STDERR_FILENO) == 1) {
        self.terminal = terminal
    }

    /// Shows `message` ("Waiting for docker VM to start (booting the guest kernel)").
    public func update(_ message: String) {
        lock.withLock {
            if terminal {
                let seconds = (ContinuousClock.now - started).components.seconds
                FileHandle.standardError.write(Data("\r\u{1B}[K\(message) ... \(seconds) s".utf8))
                lineOpen = true
            } else if message != lastMessage {
                FileHandle.standardError.write(Data("\(message) ...\n".utf8))
            }
            lastMessage = message
        }
    }

    /// Ends the line on a terminal, so what follows starts on a new one.
    public func finish() {
        lock.withLock {
            if lineOpen { FileHandle.standardError.write(Data("\n".utf8)) }
            lineOpen = false
        }
    }
}
