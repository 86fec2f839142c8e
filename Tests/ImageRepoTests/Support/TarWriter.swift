import Foundation

@testable import ImageRepo

/// Writes the flattened stream for tar2sqfs: ustar headers, preceded by a PAX header when a path, a link target,
/// an id, a size or a time does not fit, or when the entry has extended attributes.
final class TarWriter {
    private let output: ByteWriter
    /// Entries written so far.
    private(set) var count = 0

    private static let octal7 = 0o7777777
    private static let octal11 = 0o77777777777

    init(_ output: ByteWriter) {
        self.output = output
    }

    /// Writes `entry` under `entry.path`; a regular file's `entry.size` bytes come from `reader`'s current entry.
    func write(_ entry: TarEntry, contentFrom reader: TarReader? = nil) throws(ConversionError) {
        // The root is "./": tar2sqfs then gives its metadata to the root inode.
        let name =
            entry.path.isEmpty ? Array("./".utf8) : entry.path + (entry.kind == .directory ? [TarPath.slash] : [])
        let link = entry.kind == .hardLink || entry.kind == .symbolicLink ? entry.linkTarget : []
        let size = entry.kind == .regular ? entry.size : 0
        let mtime = max(0, entry.mtime)
        var pax: [UInt8] = []
        // tar2sqfs sniffs the first bytes for a compression magic: a fixed PAX header first leaves nothing to guess.
        if name.count > 100 || count == 0 { pax += PAXRecords.record("path", name) }
        if link.count > 100 { pax += PAXRecords.record("linkpath", link) }
        if entry.uid > Self.octal7 || entry.uid < 0 { pax += PAXRecords.record("uid", Array(String(entry.uid).utf8)) }
        if entry.gid > Self.octal7 || entry.gid < 0 { pax += PAXRecords.record("gid", Array(String(entry.gid).utf8)) }
        if size > Self.octal11 { pax += PAXRecords.record("size", Array(String(size).utf8)) }
        if mtime > Self.octal11 { pax += PAXRecords.record("mtime", Array(String(mtime).utf8)) }
        for xattr in entry.xattrs { pax += PAXRecords.record(Array("SCHILY.xattr.".utf8) + xattr.name, xattr.value) }
        if !pax.isEmpty {
            try output.write(
                TarHeaderBlock.make(
                    name: Array("././@PaxHeader".utf8), typeflag: UInt8(ascii: "x"), mode: 0o644, uid: 0, gid: 0,
                    size: pax.count, mtime: 0))
            try writePadded(pax)
        }
        try output.write(
            TarHeaderBlock.make(
                name: Array(name.prefix(100)), typeflag: Self.typeflag(entry.kind), mode: entry.mode & 0o7777,
                uid: Self.fit(entry.uid, Self.octal7), gid: Self.fit(entry.gid, Self.octal7),
                size: Self.fit(size, Self.octal11), mtime: Self.fit(mtime, Self.octal11),
                linkName: Array(link.prefix(100)),
                deviceMajor: entry.deviceMajor, deviceMinor: entry.deviceMinor))
        count += 1
        guard size > 0 else { return }
        guard let reader, reader.contentRemaining == size else {
            throw ConversionError(.io, "no content for \(entry.pathDescription) (\(size) bytes)")
        }
        try reader.forwardContent { (chunk) throws(ConversionError) in try output.write(chunk) }
        try writePadding(size)
    }

    /// The end-of-archive marker, then everything buffered.
    func finish() throws(ConversionError) {
        try output.write([UInt8](repeating: 0, count: 1024))
        try output.flush()
    }

    private func writePadded(_ bytes: [UInt8]) throws(ConversionError) {
        try output.write(bytes)
        try writePadding(bytes.count)
    }

    private func writePadding(_ size: Int) throws(ConversionError) {
        let padding = (512 - size % 512) % 512
        if padding > 0 { try output.write([UInt8](repeating: 0, count: padding)) }
    }

    private static func fit(_ value: Int, _ limit: Int) -> Int {
        value >= 0 && value <= limit ? value : 0
    }

    private static func typeflag(_ kind: TarEntry.Kind) -> UInt8 {
        switch kind {
        case .regular: UInt8(ascii: "0")
        case .hardLink: UInt8(ascii: "1")
        case .symbolicLink: UInt8(ascii: "2")
        case .characterDevice: UInt8(ascii: "3")
        case .blockDevice: UInt8(ascii: "4")
        case .directory: UInt8(ascii: "5")
        case .fifo: UInt8(ascii: "6")
        }
    }
}

extension TarWriter: EntrySink {}

/// Buffered writes to a file descriptor (a tar stream); it does not own the descriptor.
final class ByteWriter {
    private let fd: Int32
    let name: String
    private let buffer: UnsafeMutableRawBufferPointer
    private var used = 0

    init(fd: Int32, name: String, capacity: Int = 1 << 20) {
        self.fd = fd
        self.name = name
        buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 16)
    }

    deinit { buffer.deallocate() }

    func write(_ bytes: UnsafeRawBufferPointer) throws(ConversionError) {
        // Big chunks (file content) skip the copy, after what is buffered so that the order holds.
        if bytes.count >= buffer.count / 2 {
            try flush()
            try writeAll(bytes)
            return
        }
        if used + bytes.count > buffer.count { try flush() }
        UnsafeMutableRawBufferPointer(rebasing: buffer[used..<(used + bytes.count)]).copyMemory(from: bytes)
        used += bytes.count
    }

    func write(_ bytes: [UInt8]) throws(ConversionError) {
        try bytes.withUnsafeBytes { raw in Result { () throws(ConversionError) in try write(raw) } }.get()
    }

    func flush() throws(ConversionError) {
        guard used > 0 else { return }
        try writeAll(UnsafeRawBufferPointer(rebasing: buffer[0..<used]))
        used = 0
    }

    private func writeAll(_ bytes: UnsafeRawBufferPointer) throws(ConversionError) {
        var offset = 0
        while offset < bytes.count {
            let count = Foundation.write(fd, bytes.baseAddress.map { $0 + offset }, bytes.count - offset)
            if count > 0 {
                offset += count
            } else if count < 0 && errno != EINTR {
                // The reader is gone: its own error says why.
                throw ConversionError(.io, "\(name) stopped reading", cause: String(cString: strerror(errno)))
            }
        }
    }
}
