import SystemPackage

#if canImport(Glibc)
    import Glibc
#endif

/// Files that readers never see half-written: the bytes go to a new file beside the target (O_EXCL, no symlink
/// followed), are flushed with fsync, and only then take the target's name; the directory is flushed too, so that a
/// crash leaves the old file or the new one, never an empty one.
public enum AtomicFile {
    /// What to do when the target already exists.
    public enum Existing: Sendable {
        /// Replace it (rename).
        case replace
        /// Fail with EEXIST and leave it as it is (link, then unlink the temporary name): for files that must never
        /// silently replace one written meanwhile by someone else.
        case fail
    }

    /// Writes `bytes` to `path`. `mode` is applied exactly (fchmod, so the umask cannot widen or narrow it); nil
    /// gives 0666 less the umask, as Python's open(path, "w") does.
    public static func write(
        _ bytes: some Collection<UInt8>, to path: String, mode: mode_t? = nil, existing: Existing = .replace
    ) throws(SystemError) {
        let (directory, name) = split(path)
        let temporary = "\(directory)/.\(name).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp"
        let descriptor: FileDescriptor
        do {
            descriptor = try FileDescriptor.open(
                temporary, .writeOnly, options: [.create, .exclusiveCreate, .noFollow, .closeOnExec],
                permissions: FilePermissions(rawValue: mode ?? 0o666))
        } catch {
            throw SystemError("create", temporary, errno: error as? Errno ?? .current)
        }
        var published = false
        defer { if !published { unlink(temporary) } }
        do {
            try descriptor.closeAfter {
                if let mode, fchmod(descriptor.rawValue, mode) != 0 { throw Errno.current }
                _ = try descriptor.writeAll(bytes)
                if fsync(descriptor.rawValue) != 0 { throw Errno.current }
            }
        } catch {
            throw SystemError("write", path, errno: error as? Errno ?? .current)
        }
        switch existing {
        case .replace:
            guard rename(temporary, path) == 0 else { throw SystemError("write", path) }
        case .fail:
            guard link(temporary, path) == 0 else { throw SystemError("create", path) }
            unlink(temporary)
        }
        published = true
        syncDirectory(directory)
    }

    /// Writes UTF-8 text; see `write(_:to:mode:existing:)`.
    public static func write(
        _ text: String, to path: String, mode: mode_t? = nil, existing: Existing = .replace
    ) throws(SystemError) {
        try write(Array(text.utf8), to: path, mode: mode, existing: existing)
    }

    /// Makes a rename or unlink in `directory` durable. Best effort: some network file systems refuse fsync on a
    /// directory, and the rename itself is atomic anyway.
    public static func syncDirectory(_ directory: String) {
        let descriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        _ = fsync(descriptor)
        close(descriptor)
    }

    private static func split(_ path: String) -> (directory: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return (".", path) }
        let directory = String(path[..<slash])
        return (directory.isEmpty ? "/" : directory, String(path[path.index(after: slash)...]))
    }
}
