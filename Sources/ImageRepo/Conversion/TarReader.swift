import Foundation

/// Reads the entries of one layer's tar stream: ustar, GNU long names and links, PAX extended headers
/// (path, linkpath, size, uid, gid, mtime, SCHILY.xattr.* and LIBARCHIVE.xattr.*).
final class TarReader {
    private let source: ByteReader
    private var contentLeft = 0
    private var paddingLeft = 0
    /// Counts the entries returned so far, from 0: a second pass over the same layer finds an entry by it.
    private(set) var ordinal = -1

    /// Long names and PAX records are small; a huge one is damage, not data.
    private static let metadataLimit = 16 << 20

    init(_ source: ByteReader) {
        self.source = source
    }

    /// The next entry, or nil at the end of the archive; unread content of the previous entry is skipped.
    func next() throws(ConversionError) -> TarEntry? {
        var longName: [UInt8]?
        var longLink: [UInt8]?
        var pax: [String: [UInt8]] = [:]
        while true {
            try source.skip(contentLeft + paddingLeft)
            contentLeft = 0
            paddingLeft = 0
            guard let block = try source.read(count: 512) else { return nil }
            if block.allSatisfy({ $0 == 0 }) { return nil }
            let header = TarHeaderBlock(block)
            guard header.checksumIsValid else {
                throw ConversionError(.malformedLayer, "\(source.name) has a tar header with a bad checksum")
            }
            guard var size = header.number(124, 12), size >= 0 else {
                throw ConversionError(.malformedLayer, "\(source.name) has a tar header with an unreadable size")
            }
            switch header.typeflag {
            case UInt8(ascii: "x"):
                for (key, value) in try PAXRecords.parse(try metadata(size), in: source.name) { pax[key] = value }
                continue
            case UInt8(ascii: "g"):
                // Global headers carry defaults no image builder sets (docker's archive code ignores them too).
                _ = try metadata(size)
                continue
            case UInt8(ascii: "L"):
                longName = Self.trimmingNUL(try metadata(size))
                continue
            case UInt8(ascii: "K"):
                longLink = Self.trimmingNUL(try metadata(size))
                continue
            default:
                break
            }
            if let paxText = pax["size"] {
                guard let paxSize = Self.decimal(paxText), paxSize >= 0 else {
                    throw ConversionError(.malformedLayer, "a tar header has an invalid PAX size '\(paxText)'")
                }
                size = paxSize
            }
            var entry = try makeEntry(header, longName: longName, longLink: longLink, pax: pax)
            if entry.kind == .regular {
                entry.size = size
                contentLeft = size
                paddingLeft = (512 - size % 512) % 512
            }
            ordinal += 1
            return entry
        }
    }

    /// Content bytes of the current entry not yet read.
    var contentRemaining: Int { contentLeft }

    /// Hands the current entry's content to `body`, in chunks.
    func forwardContent(to body: (UnsafeRawBufferPointer) throws(ConversionError) -> Void) throws(ConversionError) {
        let count = contentLeft
        contentLeft = 0
        try source.forward(count, to: body)
    }

    private func makeEntry(
        _ header: TarHeaderBlock, longName: [UInt8]?, longLink: [UInt8]?, pax: [String: [UInt8]]
    ) throws(ConversionError) -> TarEntry {
        let rawPath = pax["path"] ?? longName ?? header.ustarPath
        let rawLink = pax["linkpath"] ?? longLink ?? header.string(157, 100)
        guard let path = TarPath.normalise(rawPath) else {
            throw ConversionError(
                .malformedLayer,
                "\(source.name) has an entry '\(String(decoding: rawPath, as: UTF8.self))' outside the root")
        }
        let kind: TarEntry.Kind
        switch header.typeflag {
        case UInt8(ascii: "0"), UInt8(ascii: "7"): kind = .regular
        case 0: kind = rawPath.last == TarPath.slash ? .directory : .regular
        case UInt8(ascii: "1"): kind = .hardLink
        case UInt8(ascii: "2"): kind = .symbolicLink
        case UInt8(ascii: "3"): kind = .characterDevice
        case UInt8(ascii: "4"): kind = .blockDevice
        case UInt8(ascii: "5"): kind = .directory
        case UInt8(ascii: "6"): kind = .fifo
        default:
            let flag = String(decoding: [header.typeflag], as: UTF8.self)
            throw ConversionError(
                .unsupportedLayer,
                "\(source.name) has an entry of tar type '\(flag)' (\(path)), which images do not use")
        }
        if pax.keys.contains(where: { $0.hasPrefix("GNU.sparse.") }) {
            throw ConversionError(
                .unsupportedLayer, "\(source.name) has a sparse file (\(path)), which images do not use")
        }
        var entry = TarEntry(
            path: path, kind: kind, mode: UInt32(truncatingIfNeeded: (header.number(100, 8) ?? 0) & 0o7777),
            uid: pax["uid"].flatMap(Self.decimal) ?? header.number(108, 8) ?? 0,
            gid: pax["gid"].flatMap(Self.decimal) ?? header.number(116, 8) ?? 0,
            mtime: pax["mtime"].flatMap(Self.decimal) ?? header.number(136, 12) ?? 0)
        switch kind {
        case .hardLink:
            guard let target = TarPath.normalise(rawLink), !target.isEmpty else {
                throw ConversionError(
                    .malformedLayer, "\(source.name) has a hard link \(entry.pathDescription) to an invalid target")
            }
            entry.linkTarget = target
        case .symbolicLink:
            entry.linkTarget = rawLink
        case .characterDevice, .blockDevice:
            entry.deviceMajor = UInt32(truncatingIfNeeded: header.number(329, 8) ?? 0)
            entry.deviceMinor = UInt32(truncatingIfNeeded: header.number(337, 8) ?? 0)
        default:
            break
        }
        entry.xattrs = PAXRecords.xattrs(pax)
        return entry
    }

    /// Reads a metadata entry's data (and its padding).
    private func metadata(_ size: Int) throws(ConversionError) -> [UInt8] {
        guard size <= Self.metadataLimit else {
            throw ConversionError(.malformedLayer, "\(source.name) has a \(size)-byte tar metadata entry")
        }
        let padded = (size + 511) / 512 * 512
        guard let data = try source.read(count: padded) else {
            throw ConversionError(.malformedLayer, "\(source.name) ends in the middle of a tar entry")
        }
        return Array(data[0..<size])
    }

    private static func trimmingNUL(_ bytes: [UInt8]) -> [UInt8] {
        Array(bytes.prefix { $0 != 0 })
    }

    /// PAX numbers are decimal; mtime may have a fraction, which squashfs cannot keep anyway.
    static func decimal(_ bytes: [UInt8]) -> Int? {
        let whole = bytes.prefix { $0 != UInt8(ascii: ".") }
        return Int(String(decoding: whole, as: UTF8.self))
    }
}
