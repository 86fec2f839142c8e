#if canImport(Glibc)
    import Glibc
#endif

/// ssh's StrictModes for a directory that holds a user's keys or job state: the directory and every ancestor must
/// be owned by root or the user, and none may be writable by group or others unless it is sticky (/tmp). Otherwise
/// another user could rename a directory on the way and substitute their own certificates or endpoint.
public enum TrustedPath {
    /// Checks `path` (resolved through symbolic links) and each of its ancestors; a missing tail is fine (it will be
    /// created below a trusted ancestor).
    public static func check(_ path: String, userID: uid_t = getuid()) throws(SystemError) {
        var current = absolute(path)
        var missing: [String] = []
        // Walk up to the deepest existing directory; the rest will be created by us.
        while !exists(current) && current != "/" {
            missing.append(current)
            current = parent(of: current)
        }
        guard let resolved = realpath(current, nil) else { throw SystemError("resolve", current) }
        var directory = String(cString: resolved)
        free(resolved)
        // The directory itself must not be writable by others even when sticky; its ancestors may be (/tmp).
        var isTarget = missing.isEmpty
        while true {
            var info = stat()
            guard lstat(directory, &info) == 0 else { throw SystemError("inspect", directory) }
            if info.st_uid != 0 && info.st_uid != userID {
                throw SystemError(
                    message: "\(directory) (on the way to \(path)) belongs to another user (uid \(info.st_uid)): "
                        + "keep pcocc-docker's state in a directory of your own")
            }
            let writableByOthers = info.st_mode & 0o022 != 0
            let sticky = info.st_mode & S_ISVTX != 0
            if writableByOthers && (isTarget || !sticky) {
                throw SystemError(
                    message: "\(directory) (on the way to \(path)) is writable by other users (mode "
                        + String(info.st_mode & 0o7777, radix: 8) + "): remove their write permission (chmod go-w)")
            }
            if directory == "/" { break }
            directory = parent(of: directory)
            isTarget = false
        }
    }

    private static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    private static func absolute(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX))
        guard getcwd(&buffer, buffer.count) != nil else { return "/" + path }
        let length = buffer.firstIndex(of: 0) ?? buffer.count
        return String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self) + "/" + path
    }

    private static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return "/" }
        return String(path[..<slash])
    }
}
