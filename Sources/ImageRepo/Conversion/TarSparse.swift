/// The data fragments of a GNU sparse file (offset, length), read from its headers the way Go reads them.
struct SparseMap {
    var fragments: [(offset: Int64, length: Int64)] = []

    private static func key(_ name: String) -> [UInt8] { Array("GNU.sparse.\(name)".utf8) }

    /// Go's validateSparseEntries: non-negative, in order, not overlapping, within the file.
    func isValid(size: Int64) -> Bool {
        guard size >= 0 else { return false }
        var previousEnd: Int64 = 0
        for (offset, length) in fragments {
            guard offset >= 0, length >= 0, offset <= Int64.max - length, offset + length <= size, previousEnd <= offset
            else { return false }
            previousEnd = offset + length
        }
        return true
    }

    /// The PAX formats (Go's readGNUSparsePAXHeaders): nil when the records do not describe a sparse file. Updates
    /// the entry's name (GNU.sparse.name) and logical size (GNU.sparse.size, else GNU.sparse.realsize).
    static func pax(
        _ records: PAXRecords.Records, entry: inout LayerEntry, reader: TarReader
    )
        throws(ConversionError) -> SparseMap?
    {
        let major = records[key("major")] ?? []
        let minor = records[key("minor")] ?? []
        let isVersion1: Bool
        switch (String(decoding: major, as: UTF8.self), String(decoding: minor, as: UTF8.self)) {
        case ("0", "0"), ("0", "1"): isVersion1 = false
        case ("1", "0"): isVersion1 = true
        default:
            guard major.isEmpty && minor.isEmpty, let map = records[key("map")], !map.isEmpty else { return nil }
            isVersion1 = false
        }
        if let name = records[key("name")], !name.isEmpty { entry.name = name }
        let size = (records[key("size")]).flatMap { $0.isEmpty ? nil : $0 } ?? records[key("realsize")] ?? []
        if !size.isEmpty {
            guard let value = try? TarNumber.decimal(size) else {
                throw reader.invalid(entry.name, "has an invalid sparse size")
            }
            entry.size = value
        }
        return isVersion1
            ? try version1(entry: entry, reader: reader) : try version0(records, entry: entry, reader: reader)
    }

    /// Format 0.1 (and 0.0, which Go turns into it): GNU.sparse.numblocks and GNU.sparse.map.
    private static func version0(
        _ records: PAXRecords.Records, entry: LayerEntry, reader: TarReader
    )
        throws(ConversionError) -> SparseMap
    {
        let invalid = reader.invalid(entry.name, "has an invalid sparse map")
        guard let count = try? TarNumber.decimal(records[key("numblocks")] ?? []), count >= 0, count <= Int64.max / 2
        else {
            throw invalid
        }
        let text = records[key("map")] ?? []
        let numbers = text.isEmpty ? [] : text.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false)
        guard numbers.count == 2 * count else { throw invalid }
        guard count <= reader.limits.maximumSparseFragments else { throw tooMany(entry, reader) }
        var map = SparseMap()
        for pair in stride(from: 0, to: numbers.count, by: 2) {
            guard let offset = try? TarNumber.decimal(numbers[pair]),
                let length = try? TarNumber.decimal(numbers[pair + 1])
            else { throw invalid }
            map.fragments.append((offset, length))
        }
        return map
    }

    /// Format 1.0: the map is at the start of the data, decimal numbers one per line, in whole blocks.
    private static func version1(entry: LayerEntry, reader: TarReader) throws(ConversionError) -> SparseMap {
        let invalid = reader.invalid(entry.name, "has an invalid sparse map")
        var buffer: [UInt8] = []
        var position = 0
        var newlines = 0
        func feed(_ wanted: Int64) throws(ConversionError) {
            while newlines < wanted {
                guard buffer.count - position < reader.limits.maximumSparseMapBytes else {
                    throw tooMany(entry, reader)
                }
                guard let block = try reader.readPhysicalBlock() else {
                    throw reader.invalid(entry.name, "ends in the middle of its sparse map")
                }
                buffer += block
                newlines += block.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
            }
        }
        func token() -> ArraySlice<UInt8> {
            newlines -= 1
            let end = buffer[position...].firstIndex(of: 0x0A) ?? buffer.endIndex
            defer { position = min(end + 1, buffer.count) }
            return buffer[position..<end]
        }
        try feed(1)
        guard let count = try? TarNumber.decimal(token()), count >= 0, count <= Int64.max / 2 else { throw invalid }
        guard count <= reader.limits.maximumSparseFragments else { throw tooMany(entry, reader) }
        try feed(2 * count)
        var map = SparseMap()
        for _ in 0..<count {
            guard let offset = try? TarNumber.decimal(token()), let length = try? TarNumber.decimal(token()) else {
                throw invalid
            }
            map.fragments.append((offset, length))
        }
        return map
    }

    /// The old GNU format ('S'): up to four fragments in the header, more in extension blocks after it. Go reads the
    /// map (the logical size from the realsize field) even though docker then refuses the type.
    static func oldGNU(
        _ header: TarHeader, entry: inout LayerEntry, reader: TarReader
    ) throws(ConversionError) -> SparseMap {
        let unreadable = reader.invalid(entry.name, "has a sparse map that Go cannot read")
        guard header.format == .gnu else {
            throw reader.invalid(entry.name, "is an old GNU sparse file without a GNU header")
        }
        guard let realSize = try? header.block.number(483, 12) else { throw unreadable }
        entry.size = realSize
        var map = SparseMap()
        var block = header.block.bytes
        var start = 386
        var slots = 4
        while true {
            for slot in 0..<slots {
                let field = start + 24 * slot
                if block[field] == 0 { break }
                guard let offset = try? TarNumber.numeric(block[field..<(field + 12)]),
                    let length = try? TarNumber.numeric(block[(field + 12)..<(field + 24)])
                else { throw unreadable }
                map.fragments.append((offset, length))
            }
            guard map.fragments.count <= reader.limits.maximumSparseFragments else { throw tooMany(entry, reader) }
            guard block[start + 24 * slots] != 0 else { return map }
            guard let next = try reader.readRawBlock() else {
                throw reader.invalid(entry.name, "ends in the middle of its sparse map")
            }
            block = next
            start = 0
            slots = 21
        }
    }

    private static func tooMany(_ entry: LayerEntry, _ reader: TarReader) -> ConversionError {
        ConversionError(
            .unsupportedLayer,
            "\(reader.source.name): entry '\(entry.nameDescription)' has a sparse map over \(reader.limits.maximumSparseFragments) fragments"
        )
    }
}

/// Serves a sparse file's logical content: zeros for the holes, the archive's data for the fragments. Like Go's
/// sparseFileReader, the archive must hold exactly the fragments' bytes.
struct SparseContent {
    let map: SparseMap
    let size: Int64
    private(set) var logicalRemaining: Int64

    init(map: SparseMap, size: Int64) {
        self.map = map
        self.size = size
        logicalRemaining = size
    }

    private static let zeros = [UInt8](repeating: 0, count: 1 << 16)

    /// The content to `body`; with `keep` false, only checked against the map (holes are not produced).
    func forward(
        from reader: TarReader, keep: Bool = true, to body: (UnsafeRawBufferPointer) throws(ConversionError) -> Void
    ) throws(ConversionError) {
        var position: Int64 = 0
        for (offset, length) in map.fragments where length > 0 {
            if keep { try zeros(offset - position, to: body) }
            guard try reader.forwardPhysical(length, keep: keep, to: body) else {
                throw reader.invalid(reader.currentName, "has less data than its sparse map says")
            }
            position = offset + length
        }
        if keep { try zeros(size - position, to: body) }
        guard reader.physicalRemaining == 0 else {
            throw reader.invalid(reader.currentName, "has more data than its sparse map says")
        }
    }

    private func zeros(
        _ count: Int64, to body: (UnsafeRawBufferPointer) throws(ConversionError) -> Void
    )
        throws(ConversionError)
    {
        var left = count
        while left > 0 {
            let chunk = Int(min(left, Int64(Self.zeros.count)))
            try Self.zeros.withUnsafeBytes { raw in
                Result { () throws(ConversionError) in try body(UnsafeRawBufferPointer(rebasing: raw[0..<chunk])) }
            }.get()
            left -= Int64(chunk)
        }
    }
}

/// Bounds on what one layer may make the conversion hold or produce; the defaults are docker's own limits where it
/// has one.
/// (`package`: the fuzz target lowers them.)
package struct ConversionLimits: Sendable {
    /// ext4's largest file with 4 KiB blocks: docker cannot write a larger one into its layer (EFBIG).
    package var maximumFileSize: Int64 = (1 << 32 - 1) * 4096
    /// Go trusts a sparse map as long as the archive holds it; this keeps it in memory within bounds.
    package var maximumSparseFragments: Int64 = 1 << 20
    package var maximumSparseMapBytes = 32 << 20

    package init() {}
}
