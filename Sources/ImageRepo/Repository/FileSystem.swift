import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The few POSIX calls the repository needs where Foundation either copies (moves across paths), hides errno,
/// cannot fsync or cannot refuse to replace. Every failure becomes an `ImageRepoError(.io)` naming the path.
enum FileSystem {
    static func failure(_ message: String, errno code: Int32 = errno) -> ImageRepoError {
        ImageRepoError(.io, message, underlying: ImageRepoSystemError(errno: code))
    }

    /// Creates a directory; an existing one is fine.
    static func makeDirectory(_ path: String, mode: mode_t = 0o777) throws(ImageRepoError) {
        if mkdir(path, mode) == 0 || errno == EEXIST { return }
        throw failure("Cannot create directory \(path)")
    }

    /// Creates a directory and its missing parents, as pcocc's `os.makedirs` does for the cache.
    static func makeDirectories(_ path: String) throws(ImageRepoError) {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw ImageRepoError(
                .io, "Cannot create directory \(path)", underlying: ImageRepoCause(error.localizedDescription))
        }
    }

    static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// Size of a regular file, following symlinks; nil when it is missing.
    static func fileSize(_ path: String) -> Int64? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return Int64(info.st_size)
    }

    static func renameFile(_ source: String, to destination: String) throws(ImageRepoError) {
        guard rename(source, destination) == 0 else {
            throw failure("Cannot rename \(source) to \(destination)")
        }
    }

    static func remove(_ path: String) throws(ImageRepoError) {
        guard unlink(path) == 0 || errno == ENOENT else { throw failure("Cannot remove \(path)") }
    }

    /// Flushes a directory entry change (a rename or unlink) to disk.
    static func syncDirectory(_ path: String) {
        let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        // Some file systems refuse fsync on a directory; the rename itself is already atomic.
        _ = fsync(descriptor)
        close(descriptor)
    }

    /// Writes `bytes` to `path` atomically: a new file in `scratchDirectory` (same file system), fsync,
    /// rename over `path`, fsync of the directory. The mode is 0666 less the umask, as Python's open(..., 'w').
    static func writeAtomically(_ bytes: [UInt8], to path: String, scratchDirectory: String) throws(ImageRepoError) {
        let scratch = try writeTemporary(bytes, in: scratchDirectory, for: path)
        guard rename(scratch, path) == 0 else {
            let code = errno
            unlink(scratch)
            throw failure("Cannot write \(path)", errno: code)
        }
        syncDirectory((path as NSString).deletingLastPathComponent)
    }

    /// Writes `bytes` as the new file `path`, never replacing one that exists (then `.alreadyExists`): a file in
    /// `scratchDirectory`, fsync, link(2) to `path` (which fails if `path` appeared meanwhile), unlink.
    static func writeNew(_ bytes: [UInt8], to path: String, scratchDirectory: String) throws(ImageRepoError) {
        let scratch = try writeTemporary(bytes, in: scratchDirectory, for: path)
        defer { unlink(scratch) }
        try createWithoutReplacing(path, from: scratch)
    }

    /// Gives the complete file `temporary` the name `path` unless something has it: link(2), atomic and never
    /// replacing; where the file system has no hard links, a rename after checking (the check and the rename are
    /// then two steps). `temporary` is left to the caller.
    static func createWithoutReplacing(_ path: String, from temporary: String) throws(ImageRepoError) {
        if link(temporary, path) == 0 {
            syncDirectory((path as NSString).deletingLastPathComponent)
            return
        }
        let code = errno
        if code == EEXIST {
            throw ImageRepoError(.alreadyExists, "\(path) already exists: it was not replaced")
        }
        guard [EPERM, ENOTSUP, EOPNOTSUPP, EMLINK].contains(code), !exists(path) else {
            throw failure("Cannot create \(path)", errno: code)
        }
        try renameFile(temporary, to: path)
        syncDirectory((path as NSString).deletingLastPathComponent)
    }

    /// A new file in `directory` holding `bytes`, flushed to disk; its path.
    private static func writeTemporary(
        _ bytes: [UInt8], in directory: String, for path: String
    ) throws(ImageRepoError) -> String {
        let scratch = "\(directory)/.write-\(UUID().uuidString)"
        let descriptor = open(scratch, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o666)
        guard descriptor >= 0 else { throw failure("Cannot create \(scratch) to write \(path)") }
        var written = 0
        var failed: Int32 = 0
        while written < bytes.count && failed == 0 {
            let count = bytes.withUnsafeBytes { buffer in
                write(descriptor, buffer.baseAddress.map { $0 + written }, bytes.count - written)
            }
            if count < 0 && errno != EINTR { failed = errno }
            if count > 0 { written += count }
        }
        if failed == 0 && fsync(descriptor) != 0 { failed = errno }
        close(descriptor)
        guard failed == 0 else {
            unlink(scratch)
            throw failure("Cannot write \(path)", errno: failed)
        }
        return scratch
    }

    /// Removes a directory tree, making directories writable first where an image left them read-only.
    static func removeTree(_ path: String) {
        if (try? FileManager.default.removeItem(atPath: path)) != nil || !exists(path) { return }
        if let walker = FileManager.default.enumerator(atPath: path) {
            chmod(path, 0o700)
            while let relative = walker.nextObject() as? String {
                let child = "\(path)/\(relative)"
                if isDirectory(child) { chmod(child, 0o700) }
            }
        }
        try? FileManager.default.removeItem(atPath: path)
    }

    /// The name of the user running us, as pcocc's `get_current_user().pw_name`.
    static func currentUserName() -> String {
        if let account = getpwuid(getuid()) { return String(cString: account.pointee.pw_name) }
        return ProcessInfo.processInfo.environment["USER"] ?? String(getuid())
    }
}
