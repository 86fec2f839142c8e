internal import CSquashfsWriter
import Foundation
import HostSystem
import SystemPackage

/// Extracts the flattened tree into a directory (the flat driver's bundle) as exactly as an unprivileged user can:
/// types, contents, modes (setuid, setgid and sticky where the kernel lets the owner set them), hard links, symbolic
/// links, fifos, modification times and `user.*` xattrs. What only root can make is left as pcocc's own extraction
/// leaves it: every file is the user's (owners are not kept), device nodes are skipped (counted in `skipped`), and
/// xattrs the kernel refuses (security.*, trusted.*) are dropped.
///
/// Every path is resolved one component at a time below the output directory, with O_NOFOLLOW: an entry can never
/// reach through a symbolic link, whatever the layers hold. Directories stay 0700 while the tree is built (so that
/// their children can be made) and get their own mode and time at the end, deepest first.
final class DirectoryWriter: ContentSink {
    private let root: Int32
    private let path: String
    private(set) var count = 0
    private(set) var skipped = 0
    /// Every directory made, with the mode and time it gets at the end; implicit ones may still get an entry's.
    private var directories: [[UInt8]: Directory] = [:]
    /// The parent directory of the last entry, open: entries mostly come grouped by directory.
    private var cached: (path: [UInt8], fd: Int32)?

    private struct Directory {
        var mode: UInt32
        var mtime: Int
        var implicit: Bool
    }

    /// `directory` must exist, be empty and be the caller's.
    init(directory: String) throws(ConversionError) {
        root = open(directory, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard root >= 0 else { throw ConversionError.errno("Cannot open the bundle directory \(directory)") }
        path = directory
        // The top gets the image's root entry if it has one, else the default every runtime can enter.
        directories[[]] = Directory(mode: 0o755, mtime: 0, implicit: true)
    }

    deinit {
        if let cached { close(cached.fd) }
        close(root)
    }

    func write(_ entry: TarEntry, contentFrom reader: TarReader?) throws(ConversionError) {
        switch entry.kind {
        case .regular:
            if entry.size == 0 { return try write(entry, content: []) }
            guard let reader, reader.contentRemaining == entry.size else {
                throw ConversionError(.io, "No content for \(entry.pathDescription) (\(entry.size) bytes)")
            }
            try makeFile(entry) { (fd) throws(ConversionError) in
                try reader.forwardContent { (chunk) throws(ConversionError) in try self.writeAll(fd, chunk, entry) }
            }
        case .directory:
            try makeDirectory(entry)
        case .symbolicLink:
            try makeSymbolicLink(entry)
        case .fifo:
            let (parent, name) = try parentDirectory(of: entry)
            try check(mkfifoat(parent, name, 0o600), "make the fifo", entry)
            // mkfifo applies the umask; fchmodat sets the exact bits (the fifo was just made here).
            try check(fchmodat(parent, name, mode_t(entry.mode & 0o7777), 0), "set the mode of", entry)
            try setTime(parent, name, entry)
        case .hardLink:
            let (parent, name) = try parentDirectory(of: entry)
            let (targetParent, targetName) = try locate(entry.linkTarget, for: entry)
            defer { if targetParent != parent { close(targetParent) } }
            try check(linkat(targetParent, targetName, parent, name, 0), "make the hard link", entry)
        case .characterDevice, .blockDevice:
            // mknod needs CAP_MKNOD: pcocc's extraction skips device nodes too.
            skipped += 1
            return
        }
        count += 1
    }

    func write(_ entry: TarEntry, content: [UInt8]) throws(ConversionError) {
        try makeFile(entry) { (fd) throws(ConversionError) in
            try content.withUnsafeBytes { bytes in
                Result { () throws(ConversionError) in try self.writeAll(fd, bytes, entry) }
            }.get()
        }
        count += 1
    }

    /// Gives every directory its mode and time, deepest first (a read-only directory is finished after its
    /// children), then flushes the file system so that the bundle is on disk before it is renamed into the cache.
    func finish() throws(ConversionError) {
        if let cached { close(cached.fd) }
        cached = nil
        // The root last: every other directory is opened through it.
        func depth(_ path: [UInt8]) -> Int { path.isEmpty ? -1 : path.count(where: { $0 == TarPath.slash }) }
        let deepestFirst = directories.sorted { depth($0.key) > depth($1.key) }
        for (directoryPath, directory) in deepestFirst {
            let fd =
                directoryPath.isEmpty ? dup(root) : try openDirectory(directoryPath, create: false, for: directoryPath)
            defer { close(fd) }
            let entry = TarEntry(path: directoryPath, kind: .directory)
            try check(fchmod(fd, mode_t(directory.mode)), "set the mode of", entry)
            var times = Self.times(directory.mtime)
            try check(futimens(fd, &times), "set the time of", entry)
        }
        guard pcocc_syncfs(root) == 0 else { throw ConversionError.errno("Cannot flush the bundle \(path) to disk") }
    }

    // MARK: - Entries

    private func makeFile(_ entry: TarEntry, content: (Int32) throws(ConversionError) -> Void) throws(ConversionError) {
        let (parent, name) = try parentDirectory(of: entry)
        let fd = openat(parent, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw failure("create", entry) }
        defer { close(fd) }
        try content(fd)
        // Best effort: a file system without it just flushes everything at the end.
        if entry.size > 0 { _ = pcocc_start_writeback(fd) }
        try setMode(fd, entry)
        setAttributes(fd, entry)
        var times = Self.times(entry.mtime)
        try check(futimens(fd, &times), "set the time of", entry)
    }

    private func makeDirectory(_ entry: TarEntry) throws(ConversionError) {
        let record = Directory(mode: entry.mode & 0o7777, mtime: entry.mtime, implicit: false)
        if let existing = directories[entry.path] {
            guard existing.implicit else {
                throw ConversionError(
                    .io, "Cannot create \(entry.pathDescription) in \(path): \(Errno.fileExists.reason)")
            }
            directories[entry.path] = record
        } else {
            let (parent, name) = try parentDirectory(of: entry)
            try check(mkdirat(parent, name, 0o700), "create", entry)
            directories[entry.path] = record
        }
        if !entry.xattrs.isEmpty {
            let fd = entry.path.isEmpty ? dup(root) : try openDirectory(entry.path, create: false, for: entry.path)
            defer { close(fd) }
            setAttributes(fd, entry)
        }
    }

    private func makeSymbolicLink(_ entry: TarEntry) throws(ConversionError) {
        guard !entry.linkTarget.isEmpty, !entry.linkTarget.contains(0) else {
            throw ConversionError(.malformedLayer, "\(entry.pathDescription) is a symbolic link with an invalid target")
        }
        let (parent, name) = try parentDirectory(of: entry)
        let status = (entry.linkTarget + [0]).withUnsafeBufferPointer { target in
            target.withMemoryRebound(to: CChar.self) { symlinkat($0.baseAddress!, parent, name) }
        }
        try check(status, "create the symbolic link", entry)
        try setTime(parent, name, entry)
    }

    /// The exact mode; where the kernel refuses a special bit to this user (setgid for a group it is not in, with
    /// fs.protected settings), the permission bits alone.
    private func setMode(_ fd: Int32, _ entry: TarEntry) throws(ConversionError) {
        if fchmod(fd, mode_t(entry.mode & 0o7777)) == 0 { return }
        try check(fchmod(fd, mode_t(entry.mode & 0o777)), "set the mode of", entry)
    }

    /// xattrs the kernel lets this user set; the others (security.capability, trusted.*) are dropped, as by any
    /// unprivileged extraction.
    private func setAttributes(_ fd: Int32, _ entry: TarEntry) {
        for xattr in entry.xattrs {
            // Names are bytes from the layer: NUL-terminated for the C call.
            _ = (xattr.name + [0]).withUnsafeBufferPointer { name in
                name.withMemoryRebound(to: CChar.self) { name in
                    xattr.value.withUnsafeBytes { value in
                        pcocc_fsetxattr(fd, name.baseAddress, value.baseAddress, value.count)
                    }
                }
            }
        }
    }

    private func setTime(_ parent: Int32, _ name: String, _ entry: TarEntry) throws(ConversionError) {
        var times = Self.times(entry.mtime)
        try check(utimensat(parent, name, &times, AT_SYMLINK_NOFOLLOW), "set the time of", entry)
    }

    /// Access and modification time both set to the entry's mtime, as tar extracts them.
    private static func times(_ mtime: Int) -> [timespec] {
        [timespec(tv_sec: mtime, tv_nsec: 0), timespec(tv_sec: mtime, tv_nsec: 0)]
    }

    private func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, _ entry: TarEntry) throws(ConversionError) {
        var offset = 0
        while offset < bytes.count {
            let written = Foundation.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { throw failure("write", entry) }
            offset += written
        }
    }

    // MARK: - Paths

    /// The open parent directory of `entry` (made, with its missing ancestors, as implicit 0755 directories) and
    /// the entry's last component. The descriptor stays cached: do not close it.
    private func parentDirectory(of entry: TarEntry) throws(ConversionError) -> (Int32, String) {
        let (parent, name) = TarPath.split(entry.path)
        guard !name.isEmpty else { throw ConversionError(.io, "Cannot create the root \(path) again") }
        if cached?.path != parent {
            let fd = parent.isEmpty ? dup(root) : try openDirectory(parent, create: true, for: entry.path)
            if let cached { close(cached.fd) }
            cached = (parent, fd)
        }
        return (cached!.fd, String(decoding: name, as: UTF8.self))
    }

    /// A hard link's target: its parent opened (without creating anything) and its name. Close the descriptor
    /// unless it is the cached one.
    private func locate(_ target: [UInt8], for entry: TarEntry) throws(ConversionError) -> (Int32, String) {
        let (parent, name) = TarPath.split(target)
        guard !name.isEmpty else {
            throw ConversionError(.brokenHardLink, "\(entry.pathDescription) is a hard link to the root")
        }
        if let cached, cached.path == parent { return (cached.fd, String(decoding: name, as: UTF8.self)) }
        let fd = parent.isEmpty ? dup(root) : try openDirectory(parent, create: false, for: entry.path)
        return (fd, String(decoding: name, as: UTF8.self))
    }

    /// Opens the directory at `directory` below the root, one component at a time, never through a symbolic link;
    /// with `create`, missing components are made (implicit directories, mode 0755 at the end, as the squashfs writer makes them).
    private func openDirectory(
        _ directory: [UInt8], create: Bool, for entryPath: [UInt8]
    ) throws(ConversionError) -> Int32 {
        var fd = dup(root)
        var walked: [UInt8] = []
        for component in TarPath.components(directory) {
            walked = TarPath.join(walked, component)
            let name = String(decoding: component, as: UTF8.self)
            var next = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            if next < 0 && errno == ENOENT && create {
                if mkdirat(fd, name, 0o700) != 0 && errno != EEXIST {
                    let code = errno
                    close(fd)
                    throw ConversionError.errno(
                        "Cannot create /\(String(decoding: walked, as: UTF8.self)) in \(path)", code)
                }
                if directories[walked] == nil { directories[walked] = Directory(mode: 0o755, mtime: 0, implicit: true) }
                next = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            }
            let code = errno
            close(fd)
            guard next >= 0 else {
                let entry = "/" + String(decoding: entryPath, as: UTF8.self)
                let reason =
                    code == ELOOP || code == ENOTDIR
                    ? "/\(String(decoding: walked, as: UTF8.self)) is not a directory" : Errno(rawValue: code).reason
                throw ConversionError(.io, "Cannot create \(entry) in \(path): \(reason)")
            }
            fd = next
        }
        return fd
    }

    private func check(_ status: Int32, _ action: String, _ entry: TarEntry) throws(ConversionError) {
        if status != 0 { throw failure(action, entry) }
    }

    private func failure(_ action: String, _ entry: TarEntry, _ code: Int32 = errno) -> ConversionError {
        ConversionError.errno("Cannot \(action) \(entry.pathDescription) in \(path)", code)
    }
}
