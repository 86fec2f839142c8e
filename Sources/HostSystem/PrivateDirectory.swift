#if canImport(Glibc)
    import Glibc
#endif

/// Directories that hold keys and job state: created with mode 0700 from the start (never chmod after creation
/// exposes them), and refused when they belong to someone else.
public enum PrivateDirectory {
    public static let mode: mode_t = 0o700

    /// Creates `path` and its missing parents with mode 0700, then checks that `path` is a directory of ours and
    /// tightens (never loosens) its mode to 0700, so a directory made earlier under a lax umask does not expose keys.
    public static func create(_ path: String) throws(SystemError) {
        var prefix = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            prefix += "/" + component
            // Existing parents are skipped without mkdir: some file systems (autofs, read-only mounts) answer
            // mkdir on an existing directory with an error other than EEXIST.
            var existing = stat()
            if stat(prefix, &existing) == 0, existing.st_mode & S_IFMT == S_IFDIR { continue }
            if mkdir(prefix, mode) != 0 && errno != EEXIST { throw SystemError("create directory", prefix) }
        }
        let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard descriptor >= 0 else { throw SystemError("open directory", path) }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw SystemError("inspect directory", path) }
        guard info.st_uid == getuid() else {
            throw SystemError(
                message: "directory \(path) belongs to another user: refusing to keep private files in it")
        }
        if info.st_mode & 0o7777 != mode, fchmod(descriptor, mode) != 0 {
            throw SystemError("restrict the permissions of", path)
        }
    }

    /// Creates `<parent>/<prefix>XXXXXX` with mkdtemp (mode 0700, six random characters: another user cannot guess
    /// the name and create it first) and returns its path.
    public static func createUnique(in parent: String, prefix: String) throws(SystemError) -> String {
        var template = Array("\(parent)/\(prefix)XXXXXX".utf8CString)
        let created = template.withUnsafeMutableBufferPointer { buffer in buffer.baseAddress.flatMap { mkdtemp($0) } }
        guard created != nil else { throw SystemError("create a directory in", parent) }
        return String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Creates one directory with mode 0700 (its parent must exist); an existing directory of ours is fine.
    public static func make(_ path: String) throws(SystemError) {
        if mkdir(path, mode) == 0 { return }
        guard errno == EEXIST else { throw SystemError("create directory", path) }
        var info = stat()
        guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFDIR, info.st_uid == getuid() else {
            throw SystemError(message: "\(path) exists and is not a directory of this user")
        }
    }
}
