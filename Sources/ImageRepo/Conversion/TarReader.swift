/// Reads the entries of one layer's tar stream exactly as Go's archive/tar (1.19) does for docker: PAX headers (the
/// last 'x' before an entry wins, a 'g' drops what came before it), GNU long names and links (over PAX path and
/// linkpath), GNU sparse files (PAX formats 0.0, 0.1 and 1.0, old GNU 'S'), strict numbers, and the same
/// end-of-archive rules. Everything Go refuses is an error naming the layer and the entry. Metadata per entry is
/// bounded (1 MiB per special header, as Go; a capped sparse map) and sizes are overflow-checked.
final class TarReader {
    let source: ByteReader
    let limits: ConversionLimits
    /// Physical bytes of the current entry not yet read, and the padding after them.
    private(set) var physicalRemaining: Int64 = 0
    private var paddingLeft = 0
    private var sparse: SparseContent?
    /// The name of the last entry returned, for errors in the headers that follow it (nil before the first).
    private(set) var previousName: String?
    /// Counts the entries returned so far, from 0: a second pass over the same layer finds an entry by it.
    private(set) var ordinal = -1

    /// Go's maxSpecialFileSize: a PAX header or GNU long name over 1 MiB is refused.
    static let specialFileLimit: Int64 = 1 << 20

    init(_ source: ByteReader, limits: ConversionLimits = ConversionLimits()) {
        self.source = source
        self.limits = limits
    }

    /// The next entry, or nil at the end of the archive; unread content of the previous entry is skipped.
    func next() throws(ConversionError) -> LayerEntry? {
        var pax: PAXRecords.Records = [:]
        var longName: [UInt8] = []
        var longLink: [UInt8] = []
        while true {
            try skipRest()
            guard let header = try readHeader() else { return nil }
            switch header.block.typeflag {
            case UInt8(ascii: "x"), UInt8(ascii: "g"):
                let data = try special(header)
                do throws(PAXRecords.Invalid) {
                    pax = try PAXRecords.parse(data)
                } catch {
                    throw invalid(header.name, "is a malformed PAX header")
                }
                if header.block.typeflag == UInt8(ascii: "g") {
                    // Go returns it as an entry of its own (named by its own path record): what came before it
                    // applies to nothing.
                    let path = PAXRecords.value(pax, "path") ?? []
                    let name = path.isEmpty ? header.name : path
                    ordinal += 1
                    previousName = LayerEntry.describe(name)
                    return LayerEntry(name: name, kind: .globalHeader)
                }
            case UInt8(ascii: "L"):
                longName = Array(try special(header).prefix { $0 != 0 })
            case UInt8(ascii: "K"):
                longLink = Array(try special(header).prefix { $0 != 0 })
            default:
                let entry = try makeEntry(header, pax: pax, longName: longName, longLink: longLink)
                ordinal += 1
                previousName = entry.nameDescription
                return entry
            }
        }
    }

    /// Logical content bytes of the current entry not yet read.
    var contentRemaining: Int64 { sparse?.logicalRemaining ?? physicalRemaining }

    /// Hands the current entry's content to `body`, in chunks (a sparse file's holes as zeros).
    func forwardContent(to body: (UnsafeRawBufferPointer) throws(ConversionError) -> Void) throws(ConversionError) {
        if let content = sparse {
            sparse = nil
            try content.forward(from: self, to: body)
            return
        }
        let count = physicalRemaining
        physicalRemaining = 0
        do throws(ConversionError) {
            try source.forward(count, to: body)
        } catch {
            throw truncated(error)
        }
    }

    /// Reads the content without keeping it: docker writes every regular file it creates, so a sparse file whose
    /// data does not match its map is refused even when a higher layer hides it.
    func discardContent() throws(ConversionError) {
        if let content = sparse {
            sparse = nil
            try content.forward(from: self, keep: false) { _ throws(ConversionError) in }
        }
    }

    /// `count` physical bytes of the current entry (for the sparse reader); false when fewer are left.
    func forwardPhysical(
        _ count: Int64, keep: Bool, to body: (UnsafeRawBufferPointer) throws(ConversionError) -> Void
    )
        throws(ConversionError) -> Bool
    {
        guard count <= physicalRemaining else { return false }
        physicalRemaining -= count
        if keep { try source.forward(count, to: body) } else { try source.skip(count) }
        return true
    }

    /// One 512-byte block of the current entry's data (a format 1.0 sparse map), or nil when none is left.
    func readPhysicalBlock() throws(ConversionError) -> [UInt8]? {
        guard physicalRemaining >= 512 else { return nil }
        physicalRemaining -= 512
        return try source.read(upTo: 512).flatMap { $0.count == 512 ? $0 : nil }
    }

    /// One raw block after the header (an old GNU sparse extension header), or nil at the end of the stream.
    func readRawBlock() throws(ConversionError) -> [UInt8]? {
        try source.read(upTo: 512).flatMap { $0.count == 512 ? $0 : nil }
    }

    func invalid(_ name: [UInt8], _ what: String) -> ConversionError {
        ConversionError(.malformedLayer, "\(source.name): entry '\(LayerEntry.describe(name))' \(what)")
    }

    // MARK: - Blocks

    private func skipRest() throws(ConversionError) {
        sparse = nil
        let content = physicalRemaining
        physicalRemaining = 0
        do throws(ConversionError) {
            try source.skip(content)
        } catch {
            throw truncated(error)
        }
        // Go reads the padding with tryReadFull: a stream ending inside it ends the archive normally.
        let padding = paddingLeft
        paddingLeft = 0
        _ = try source.read(upTo: padding)
    }

    /// The next header, or nil at the end of the archive (no more bytes, one zero block then no more bytes, or two
    /// zero blocks).
    private func readHeader() throws(ConversionError) -> TarHeader? {
        guard let block = try source.read(upTo: 512) else { return nil }
        guard block.count == 512 else { throw cut() }
        if block.allSatisfy({ $0 == 0 }) {
            guard let second = try source.read(upTo: 512) else { return nil }
            guard second.count == 512 else { throw cut() }
            if second.allSatisfy({ $0 == 0 }) { return nil }
            throw ConversionError(.malformedLayer, "\(source.name): a zero block \(afterPrevious) is followed by data")
        }
        let raw = TarHeaderBlock(block)
        guard let format = raw.format else {
            throw ConversionError(.malformedLayer, "\(source.name): the header \(afterPrevious) has a bad checksum")
        }
        do throws(TarNumber.Invalid) {
            return try TarHeader(raw, format: format)
        } catch {
            throw invalid(raw.name(format: format), "has a numeric field that Go cannot read")
        }
    }

    private func cut() -> ConversionError {
        ConversionError(.malformedLayer, "\(source.name) ends in the middle of the header \(afterPrevious)")
    }

    /// The stream ended inside the current entry's data (ByteReader's own message does not know the entry).
    private func truncated(_ error: ConversionError) -> ConversionError {
        guard error.code == .malformedLayer else { return error }
        return ConversionError(.malformedLayer, "\(source.name) ends in the middle of entry '\(previousName ?? "")'")
    }

    private var afterPrevious: String { previousName.map { "after entry '\($0)'" } ?? "at its start" }

    /// The current entry's name, as bytes for `invalid`.
    var currentName: [UInt8] { Array((previousName ?? "").utf8) }

    /// A special header's data: a PAX header, a GNU long name or link.
    private func special(_ header: TarHeader) throws(ConversionError) -> [UInt8] {
        let size = header.size
        guard size >= 0 else { throw invalid(header.name, "has a negative size") }
        guard size <= Self.specialFileLimit else {
            throw invalid(header.name, "holds \(size) bytes of metadata, over Go's limit of \(Self.specialFileLimit)")
        }
        guard let data = try source.read(upTo: Int(size)), data.count == Int(size) else {
            throw invalid(header.name, "is cut short by the end of the layer")
        }
        paddingLeft = Int((-size) & 511)
        return data
    }

    // MARK: - Entries

    private func makeEntry(
        _ header: TarHeader, pax: PAXRecords.Records, longName: [UInt8], longLink: [UInt8]
    )
        throws(ConversionError) -> LayerEntry
    {
        var entry = LayerEntry(name: header.name, kind: .regular)
        entry.mode = header.mode
        entry.uid = header.uid
        entry.gid = header.gid
        entry.mtime = TarNumber.chtimesSeconds(header.mtime)
        entry.deviceMajor = header.deviceMajor
        entry.deviceMinor = header.deviceMinor
        entry.linkName = header.block.string(157, 100)
        var size = header.size
        // PAX records (an empty value keeps the header's), then the GNU long name and link over them: Go applies
        // those last.
        do throws(TarNumber.Invalid) {
            for (key, value) in pax where !value.isEmpty {
                switch String(decoding: key, as: UTF8.self) {
                case "path": entry.name = value
                case "linkpath": entry.linkName = value
                case "uid": entry.uid = try TarNumber.decimal(value)
                case "gid": entry.gid = try TarNumber.decimal(value)
                case "mtime": entry.mtime = try TarNumber.paxTime(value)
                case "atime", "ctime": _ = try TarNumber.paxTime(value)
                case "size": size = try TarNumber.decimal(value)
                default: break
                }
            }
        } catch {
            throw invalid(entry.name, "has a PAX record that Go cannot read")
        }
        if !longName.isEmpty { entry.name = longName }
        if !longLink.isEmpty { entry.linkName = longLink }
        entry.xattrs = PAXRecords.xattrs(pax)
        entry.kind = Self.kind(header.block.typeflag, name: entry.name)
        let headerOnly = Self.isHeaderOnly(entry.kind)
        let physical = headerOnly ? 0 : size
        guard physical >= 0 else { throw invalid(entry.name, "has a negative size") }
        physicalRemaining = physical
        paddingLeft = Int((-physical) & 511)
        entry.size = physical
        let map: SparseMap?
        if header.block.typeflag == UInt8(ascii: "S") {
            map = try SparseMap.oldGNU(header, entry: &entry, reader: self)
        } else {
            map = try SparseMap.pax(pax, entry: &entry, reader: self)
        }
        if let map {
            guard !headerOnly, map.isValid(size: entry.size) else {
                throw invalid(entry.name, "has an invalid sparse map")
            }
            guard entry.size <= limits.maximumFileSize else {
                throw invalid(entry.name, "is a sparse file of \(entry.size) bytes, over \(limits.maximumFileSize)")
            }
            sparse = SparseContent(map: map, size: entry.size)
        }
        return entry
    }

    /// Go turns a '\0' type into a directory when the name ends in '/', a regular file otherwise.
    private static func kind(_ typeflag: UInt8, name: [UInt8]) -> LayerEntry.Kind {
        switch typeflag {
        case UInt8(ascii: "0"): .regular
        case 0: name.last == TarPath.slash ? .directory : .regular
        case UInt8(ascii: "1"): .hardLink
        case UInt8(ascii: "2"): .symbolicLink
        case UInt8(ascii: "3"): .characterDevice
        case UInt8(ascii: "4"): .blockDevice
        case UInt8(ascii: "5"): .directory
        case UInt8(ascii: "6"): .fifo
        default: .other(typeflag)
        }
    }

    /// Types whose size field Go ignores: no data follows them.
    private static func isHeaderOnly(_ kind: LayerEntry.Kind) -> Bool {
        switch kind {
        case .hardLink, .symbolicLink, .characterDevice, .blockDevice, .directory, .fifo: true
        default: false
        }
    }
}

/// A header block with the numbers Go parses for every header (an unreadable one is an error even in a PAX header).
struct TarHeader {
    let block: TarHeaderBlock
    let format: TarHeaderBlock.Format
    let name: [UInt8]
    let size: Int64
    let mode: Int64
    let uid: Int64
    let gid: Int64
    let mtime: Int64
    let deviceMajor: Int64
    let deviceMinor: Int64

    init(_ block: TarHeaderBlock, format: TarHeaderBlock.Format) throws(TarNumber.Invalid) {
        self.block = block
        self.format = format
        name = block.name(format: format)
        size = try block.number(124, 12)
        mode = try block.number(100, 8)
        uid = try block.number(108, 8)
        gid = try block.number(116, 8)
        mtime = try block.number(136, 12)
        if format == .v7 {
            deviceMajor = 0
            deviceMinor = 0
        } else {
            deviceMajor = try block.number(329, 8)
            deviceMinor = try block.number(337, 8)
        }
        if format == .star {
            _ = try block.number(476, 12)
            _ = try block.number(488, 12)
        }
    }
}
