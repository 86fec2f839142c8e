#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Private directories and files that hold keys: created with their final modes, written atomically.
enum SecretFiles {
    static let directoryMode: mode_t = 0o700
    static let fileMode: mode_t = 0o600

    /// Creates `path` and its missing parents with mode 0700, then makes sure `path` itself is ours and 0700.
    ///
    /// An existing directory is tightened (never loosened) before any secret goes into it, so a job
    /// directory made earlier under a lax umask does not expose the keys.
    static func makePrivateDirectory(_ path: String) throws(TLSCertsError) {
        var prefix = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            prefix += "/" + component
            // Existing parents are skipped without mkdir: some file systems (autofs, read-only
            // mounts) answer mkdir on an existing directory with an error other than EEXIST.
            var existing = stat()
            if stat(prefix, &existing) == 0, existing.st_mode & S_IFMT == S_IFDIR { continue }
            if mkdir(prefix, directoryMode) != 0 {
                let code = errno
                guard code == EEXIST else { throw TLSCertsError.system("create directory", prefix, code) }
            }
        }
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { throw TLSCertsError.system("open directory", path, errno) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw TLSCertsError.system("inspect directory", path, errno) }
        guard info.st_uid == getuid() else {
            throw TLSCertsError(.fileSystem, "directory \(path) belongs to another user: refusing to put keys in it")
        }
        // mkdir's mode went through the umask, which may also have removed owner bits.
        if info.st_mode & 0o7777 != directoryMode, fchmod(fd, directoryMode) != 0 {
            throw TLSCertsError.system("restrict the permissions of", path, errno)
        }
    }

    /// Writes `text` to `path` with mode 0600: a new temporary file in the same directory, fsync, rename.
    static func writeFile(_ text: String, to path: String) throws(TLSCertsError) {
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { String(path[..<$0]) } ?? "."
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        let temporary = "\(directory)/.\(name).\(getpid()).\(UInt32.random(in: 0...UInt32.max))"

        // O_EXCL: never reuse a file someone else prepared (it could be a link or have a wider mode).
        var fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, fileMode)
        guard fd >= 0 else { throw TLSCertsError.system("write", path, errno) }
        var renamed = false
        defer {
            if fd >= 0 { close(fd) }
            if !renamed { unlink(temporary) }
        }
        // The umask may have removed owner bits from the creation mode; fix it while the file is still empty.
        guard fchmod(fd, fileMode) == 0 else { throw TLSCertsError.system("write", path, errno) }
        try writeAll(Array(text.utf8), to: fd, path: path)
        guard fsync(fd) == 0 else { throw TLSCertsError.system("write", path, errno) }
        let closed = close(fd)
        fd = -1
        guard closed == 0 else { throw TLSCertsError.system("write", path, errno) }
        guard rename(temporary, path) == 0 else { throw TLSCertsError.system("write", path, errno) }
        renamed = true
        syncDirectory(directory)
    }

    private static func writeAll(_ bytes: [UInt8], to fd: Int32, path: String) throws(TLSCertsError) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if written < 0 {
                let code = errno
                if code == EINTR { continue }
                throw TLSCertsError.system("write", path, code)
            }
            offset += written
        }
    }

    /// Makes the rename durable. Best effort: some network file systems refuse fsync on a directory,
    /// and the file's own contents are already on disk.
    private static func syncDirectory(_ directory: String) {
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        close(fd)
    }
}
