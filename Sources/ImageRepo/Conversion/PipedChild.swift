import ChildProcess
import Foundation

/// One decompressor (pigz, gzip, zstd) whose standard output is a pipe we read.
///
/// Spawned directly rather than through ChildProcess because the data streams through us while it runs. The
/// child is ended on every path: `stop()` or deinit kills it (it only ever writes a temporary file or a pipe,
/// so nothing needs a graceful shutdown) and reaps it.
final class PipedChild {
    let command: String
    /// Our end of the pipe, -1 once closed.
    private(set) var fd: Int32
    private let pid: pid_t
    /// Standard error goes to an unlinked temporary file, so no thread has to drain it; its tail explains failures.
    private let errorFD: Int32
    private var reaped = false

    init(_ tool: String, _ arguments: [String]) throws(ConversionError) {
        guard let executable = ChildProcess.which(tool) else {
            throw ConversionError(.toolFailed, "\(tool) not found in PATH: install it (see scripts/install-deps.sh)")
        }
        command = ([tool] + arguments).joined(separator: " ")
        var ends: [Int32] = [-1, -1]
        // Close-on-exec: no other child may inherit our end, or a writer would never see its reader go.
        // (pipe2 does not import; until fcntl, only a spawner that keeps every descriptor could catch them, and
        // the ones in this process, Subprocess and this type, do not.)
        guard pipe(&ends) == 0 else { throw ConversionError.errno("cannot create a pipe for \(tool)") }
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        let (ours, theirs) = (ends[0], ends[1])
        // A bigger pipe means fewer wake-ups per megabyte; failure only costs speed.
        _ = fcntl(ours, 1031 /* F_SETPIPE_SZ */, 1 << 20)
        let null = open("/dev/null", O_RDWR | O_CLOEXEC)
        var template = Array("/tmp/pcocc-docker-stderr-XXXXXX".utf8CString)
        let errorFD = template.withUnsafeMutableBufferPointer { name in name.baseAddress.map { mkstemp($0) } ?? -1 }
        if errorFD >= 0 {
            _ = fcntl(errorFD, F_SETFD, FD_CLOEXEC)
            template.withUnsafeBufferPointer { name in _ = name.baseAddress.map { unlink($0) } }
        }
        defer {
            close(theirs)
            if null >= 0 { close(null) }
        }
        guard null >= 0, errorFD >= 0 else {
            close(ours)
            if errorFD >= 0 { close(errorFD) }
            throw ConversionError.errno("cannot prepare the standard streams of \(tool)")
        }
        let inputFD = null
        let outputFD = theirs
        var pid: pid_t = 0
        let status = Self.spawn(
            executable, [tool] + arguments, input: inputFD, output: outputFD, error: errorFD, pid: &pid)
        guard status == 0 else {
            close(ours)
            close(errorFD)
            throw ConversionError.errno("cannot start \(executable)", status)
        }
        self.fd = ours
        self.pid = pid
        self.errorFD = errorFD
    }

    deinit {
        stop()
        close(errorFD)
    }

    /// Closes our end and waits; throws unless the child exited with status 0.
    func finish() throws(ConversionError) {
        closeOurEnd()
        let status = reap()
        guard status == 0 else {
            throw ConversionError(.toolFailed, "'\(command)' exited with status \(status)", cause: errorTail())
        }
    }

    /// Kills and reaps the child if it is still there; for error paths.
    func stop() {
        closeOurEnd()
        guard !reaped else { return }
        kill(pid, SIGKILL)
        _ = reap()
    }

    private func closeOurEnd() {
        if fd >= 0 { close(fd) }
        fd = -1
    }

    /// The exit status, or 128+N for signal N.
    private func reap() -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        reaped = true
        // WIFEXITED/WEXITSTATUS are macros that do not import.
        return status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }

    /// The last lines the child wrote on standard error.
    func errorTail() -> String {
        let size = lseek(errorFD, 0, SEEK_END)
        guard size > 0 else { return "" }
        let count = Int(min(size, 2048))
        var bytes = [UInt8](repeating: 0, count: count)
        let got = pread(errorFD, &bytes, count, off_t(size) - off_t(count))
        guard got > 0 else { return "" }
        let lines = String(decoding: bytes[0..<got], as: UTF8.self).split(separator: "\n")
        return lines.suffix(3).joined(separator: " / ")
    }

    /// posix_spawn with the three standard streams set and default signal handling restored
    /// (the calling thread blocks SIGPIPE; the child must not inherit that).
    private static func spawn(
        _ path: String, _ argv: [String], input: Int32, output: Int32, error: Int32, pid: inout pid_t
    ) -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, input, 0)
        posix_spawn_file_actions_adddup2(&actions, output, 1)
        posix_spawn_file_actions_adddup2(&actions, error, 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        var pipeSignal = sigset_t()
        sigemptyset(&pipeSignal)
        sigaddset(&pipeSignal, SIGPIPE)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &pipeSignal)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var cArguments: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { for argument in cArguments { free(argument) } }
        return posix_spawn(&pid, path, &actions, &attributes, &cArguments, environ)
    }
}
