#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A cross-process exclusive `flock` on `<repository>/.lock`, held while a writer checks names and
/// writes data and meta files, so that two jobs importing into one repository cannot interleave.
/// pcocc itself takes no lock; the lock file is outside data/ and meta/, so the format is unchanged.
/// Each acquisition opens its own descriptor, so tasks of one process exclude each other too.
enum RepositoryLock {
    static func withExclusiveLock<Result>(
        _ repository: Repository, _ body: () throws(ImageRepoError) -> Result
    ) throws(ImageRepoError) -> Result {
        let path = "\(repository.path)/.lock"
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o666)
        guard descriptor >= 0 else {
            throw FileSystem.failure("Cannot lock repository \(repository.name) for writing (\(path))")
        }
        // Closing the descriptor releases the lock, on every path out of here.
        defer { close(descriptor) }
        while flock(descriptor, LOCK_EX) != 0 {
            guard errno == EINTR else {
                throw FileSystem.failure("Cannot lock repository \(repository.name) for writing (\(path))")
            }
        }
        return try body()
    }
}
