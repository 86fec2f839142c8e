internal import CSquashfsWriter
import Foundation

/// Where the flattener's entries go: the squashfs itself (`SquashfsWriter`), a bundle directory (`DirectoryWriter`), or
/// in the tests a tar stream.
protocol EntrySink: AnyObject {
    /// Entries written so far.
    var count: Int { get }
    /// Writes `entry` under `entry.path`; a regular file's `entry.size` bytes come from `reader`'s current entry.
    func write(_ entry: TarEntry, contentFrom reader: TarReader?) throws(ConversionError)
    /// Completes the output.
    func finish() throws(ConversionError)
}

/// An output that can also take a file whose content is in memory (the bundle's config.json).
protocol ContentSink: EntrySink {
    func write(_ entry: TarEntry, content: [UInt8]) throws(ConversionError)
}

/// Writes the flattened tree straight into a squashfs with libsquashfs (CSquashfsWriter), building the image the way
/// `tar2sqfs --no-skip` does from the same entries: 128 KiB blocks stored as they are (pcocc's format) or compressed,
/// fragments and deduplication, implicit parent directories with tar2sqfs's defaults, hard links resolved at the end.
/// Its directory tree is hashed, so a directory of 40,000 entries costs no more per entry than a small one.
final class SquashfsWriter: ContentSink {
    private let handle: OpaquePointer
    private let path: String
    private(set) var count = 0

    /// Creates `path`, which must not exist: O_EXCL and O_NOFOLLOW, so that nothing planted there (a file, a
    /// symbolic link to someone else's file) is ever followed or overwritten.
    init(path: String, compression: SquashfsCompression) throws(ConversionError) {
        let fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw ConversionError.errno("Cannot create the squashfs \(path)") }
        var message = [CChar](repeating: 0, count: 512)
        let (kind, level) = compression.writerSettings
        // The writer owns fd from here, on failure too.
        guard let handle = pcocc_sqfs_open(fd, kind, level, &message, message.count) else {
            unlink(path)
            let text = message.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            throw ConversionError(.io, "Cannot create the squashfs \(path)", cause: text)
        }
        self.handle = handle
        self.path = path
    }

    deinit { pcocc_sqfs_close(handle) }

    func write(_ entry: TarEntry, contentFrom reader: TarReader?) throws(ConversionError) {
        if entry.kind == .hardLink {
            try check(
                entry.path.withUnsafeBufferPointer { path in
                    entry.linkTarget.withUnsafeBufferPointer { target in
                        pcocc_sqfs_hard_link(handle, Self.chars(path), path.count, Self.chars(target), target.count)
                    }
                }, entry)
            count += 1
            return
        }
        let kind: Int32
        switch entry.kind {
        case .regular: kind = Int32(PCOCC_SQFS_REGULAR)
        case .directory: kind = Int32(PCOCC_SQFS_DIRECTORY)
        case .symbolicLink: kind = Int32(PCOCC_SQFS_SYMLINK)
        case .characterDevice: kind = Int32(PCOCC_SQFS_CHAR_DEVICE)
        case .blockDevice: kind = Int32(PCOCC_SQFS_BLOCK_DEVICE)
        case .fifo: kind = Int32(PCOCC_SQFS_FIFO)
        case .hardLink: return
        }
        let target = entry.kind == .symbolicLink ? entry.linkTarget : []
        try check(
            entry.path.withUnsafeBufferPointer { path in
                target.withUnsafeBufferPointer { link in
                    pcocc_sqfs_begin(
                        handle, Self.chars(path), path.count, kind, entry.mode & 0o7777,
                        UInt32(truncatingIfNeeded: entry.uid), UInt32(truncatingIfNeeded: entry.gid),
                        Int64(entry.mtime),
                        Self.chars(link), link.count, entry.deviceMajor, entry.deviceMinor)
                }
            }, entry)
        for xattr in entry.xattrs {
            try check(
                (xattr.name + [0]).withUnsafeBufferPointer { name in
                    xattr.value.withUnsafeBytes { value in
                        pcocc_sqfs_xattr(handle, Self.chars(name), value.baseAddress, value.count)
                    }
                },
                entry)
        }
        if entry.kind == .regular && entry.size > 0 {
            guard let reader, reader.contentRemaining == entry.size else {
                throw ConversionError(.io, "no content for \(entry.pathDescription) (\(entry.size) bytes)")
            }
            let handle = handle
            try reader.forwardContent { (chunk) throws(ConversionError) in
                guard pcocc_sqfs_data(handle, chunk.baseAddress, chunk.count) == 0 else { throw self.failure(entry) }
            }
        }
        try check(pcocc_sqfs_end(handle), entry)
        count += 1
    }

    func write(_ entry: TarEntry, content: [UInt8]) throws(ConversionError) {
        try check(
            entry.path.withUnsafeBufferPointer { path in
                pcocc_sqfs_begin(
                    handle, Self.chars(path), path.count, Int32(PCOCC_SQFS_REGULAR), entry.mode & 0o7777,
                    UInt32(truncatingIfNeeded: entry.uid), UInt32(truncatingIfNeeded: entry.gid), Int64(entry.mtime),
                    nil, 0, 0, 0)
            }, entry)
        if !content.isEmpty {
            try check(content.withUnsafeBytes { pcocc_sqfs_data(handle, $0.baseAddress, $0.count) }, entry)
        }
        try check(pcocc_sqfs_end(handle), entry)
        count += 1
    }

    /// Completes the image and flushes it to disk.
    func finish() throws(ConversionError) {
        guard pcocc_sqfs_finish(handle) == 0 else { throw failure("Cannot complete the squashfs \(path)") }
    }

    private func check(_ status: Int32, _ entry: TarEntry) throws(ConversionError) {
        if status != 0 { throw failure(entry) }
    }

    private func failure(_ entry: TarEntry) -> ConversionError {
        failure("Cannot add \(entry.pathDescription) to the squashfs \(path)")
    }

    /// The file's errno when the image file failed (no space left...), so that callers can tell; else the writer's
    /// own message.
    private func failure(_ message: String) -> ConversionError {
        let code = pcocc_sqfs_errno(handle)
        if code != 0 { return ConversionError(.io, message, underlying: ImageRepoSystemError(errno: code)) }
        return ConversionError(.io, message, cause: String(cString: pcocc_sqfs_error(handle)))
    }

    /// The bytes of a path as C characters (nil when empty: the C side takes no pointer for no bytes).
    private static func chars(_ buffer: UnsafeBufferPointer<UInt8>) -> UnsafePointer<CChar>? {
        buffer.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) }
    }
}
