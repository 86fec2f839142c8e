import Foundation

/// A cross-process exclusive `flock` on `<repository>/.lock`, held while a writer checks names and writes data and
/// meta files, so that two jobs importing into one repository cannot interleave. pcocc itself takes no lock; the
/// lock file is outside data/ and meta/, so the format is unchanged.
///
/// The lock file is opened read-only when it cannot be opened for writing: flock needs no more, and read access is all
/// a member of the group has to a lock file another user made in a group-shared repository. A writer waits at most `timeout` (polling, so that a
/// signal or the deadline is never stuck behind a blocking flock), then gives up naming the lock file and, when
/// /proc/locks tells, the process holding it. Each acquisition opens its own descriptor, so tasks of one process
/// exclude each other too.
public enum RepositoryLock {
    /// Ten minutes: an import's locked part moves files by rename and takes well under a second, so a lock held that
    /// long is a stuck writer.
    public static let defaultTimeout: Duration = .seconds(600)

    static func withExclusiveLock<Result>(
        _ repository: Repository, timeout: Duration = defaultTimeout, _ body: () throws(ImageRepoError) -> Result
    ) throws(ImageRepoError) -> Result {
        let path = "\(repository.path)/.lock"
        // Read-write where the user may (NFS emulates flock with byte-range locks, which need it for LOCK_EX),
        // read-only where not (a lock file another user made in a group-shared repository): flock itself needs no
        // more on local file systems.
        var descriptor = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o666)
        if descriptor < 0 && [EACCES, EPERM, EROFS].contains(errno) {
            descriptor = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        }
        guard descriptor >= 0 else {
            throw FileSystem.failure("Cannot open the lock file \(path) of repository \(repository.name)")
        }
        // Closing the descriptor releases the lock, on every path out of here.
        defer { close(descriptor) }
        let deadline = ContinuousClock.now + timeout
        var pause = Duration.milliseconds(5)
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR else {
                throw FileSystem.failure("Cannot lock repository \(repository.name) for writing (\(path))")
            }
            guard ContinuousClock.now < deadline else {
                throw ImageRepoError(
                    .lockTimeout,
                    "Repository \(repository.name) stayed locked by another writer for \(timeout.formatted()): gave up "
                        + "waiting for \(path)\(holder(of: descriptor).map { " (held by \($0))" } ?? "")")
            }
            Thread.sleep(
                forTimeInterval: Double(pause.components.attoseconds) / 1e18 + Double(pause.components.seconds))
            pause = min(pause * 2, .milliseconds(250))
        }
        return try body()
    }

    /// "process PID (COMMAND)" of a flock on the same file, from /proc/locks (same host and PID namespace only).
    static func holder(of descriptor: Int32) -> String? {
        var info = stat()
        guard fstat(descriptor, &info) == 0, let locks = try? String(contentsOfFile: "/proc/locks", encoding: .utf8)
        else {
            return nil
        }
        for line in locks.split(separator: "\n") {
            // "1: FLOCK  ADVISORY  WRITE 1234 08:01:5678 0 EOF": type, mode, pid, major:minor:inode.
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 6, fields[1] == "FLOCK", let pid = Int32(fields[4]), pid > 0, pid != getpid(),
                let inode = fields[5].split(separator: ":").last, UInt64(inode) == UInt64(info.st_ino)
            else { continue }
            let command = (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8))?
                .trimmingCharacters(in: .whitespacesAndNewlines)
            return "process \(pid)" + (command.map { " (\($0))" } ?? "")
        }
        return nil
    }
}

extension Duration {
    /// "600 s", "1.5 s": for messages.
    fileprivate func formatted() -> String {
        let seconds = Double(components.seconds) + Double(components.attoseconds) / 1e18
        return seconds == seconds.rounded() ? "\(Int(seconds)) s" : String(format: "%.1f s", seconds)
    }
}
