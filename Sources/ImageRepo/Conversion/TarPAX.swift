/// PAX extended header records ("LEN KEY=VALUE\n"), parsed as Go's archive/tar parses them.
enum PAXRecords {
    typealias Records = [[UInt8]: [UInt8]]

    static let sparseMap = Array("GNU.sparse.map".utf8)
    private static let sparseOffset = Array("GNU.sparse.offset".utf8)
    private static let sparseNumBytes = Array("GNU.sparse.numbytes".utf8)
    private static let xattrPrefix = Array("SCHILY.xattr.".utf8)
    private static let textKeys: Set<[UInt8]> = Set(["path", "linkpath", "uname", "gname"].map { Array($0.utf8) })

    struct Invalid: Error {}

    /// The records of one header; a key twice keeps its last value. GNU sparse 0.0 offset/numbytes pairs become a
    /// GNU.sparse.map record, as Go turns them into format 0.1. Anything malformed (a record whose length does not
    /// end on its newline, trailing bytes, no '=', a NUL where Go refuses one) makes the whole header invalid.
    static func parse(_ data: [UInt8]) throws(Invalid) -> Records {
        var records: Records = [:]
        var sparse: [[UInt8]] = []
        var start = 0
        while start < data.count {
            guard let space = data[start...].firstIndex(of: 0x20),
                let length = try? TarNumber.decimal(data[start..<space]),
                length >= 5, length <= Int64(data.count - start)
            else { throw Invalid() }
            let end = start + Int(length)
            // The length counts its own digits and the space.
            guard end > space + 1, data[end - 1] == 0x0A else { throw Invalid() }
            let record = data[(space + 1)..<(end - 1)]
            guard let equals = record.firstIndex(of: UInt8(ascii: "=")) else { throw Invalid() }
            let key = Array(record[..<equals])
            let value = Array(record[(equals + 1)...])
            guard !key.isEmpty else { throw Invalid() }
            if textKeys.contains(key) {
                guard !value.contains(0) else { throw Invalid() }
            } else {
                guard !key.contains(0) else { throw Invalid() }
            }
            if key == sparseOffset || key == sparseNumBytes {
                let expected = sparse.count % 2 == 0 ? sparseOffset : sparseNumBytes
                guard key == expected, !value.contains(UInt8(ascii: ",")) else { throw Invalid() }
                sparse.append(value)
            } else {
                records[key] = value
            }
            start = end
        }
        if !sparse.isEmpty { records[sparseMap] = Array(sparse.joined(separator: [UInt8(ascii: ",")])) }
        return records
    }

    static func value(_ records: Records, _ key: String) -> [UInt8]? {
        records[Array(key.utf8)]
    }

    /// Extended attributes as docker 26 sets them: every SCHILY.xattr.NAME record of Header.PAXRecords, empty values
    /// included, in name order. LIBARCHIVE.xattr.* records are not read by Go.
    static func xattrs(_ records: Records) -> [(name: [UInt8], value: [UInt8])] {
        records.compactMap { key, value in
            // Empty values too: docker 26 sets every SCHILY.xattr record (Go's Xattrs, which docker 20.10 read,
            // skipped empty ones).
            guard key.starts(with: xattrPrefix) else { return nil }
            return (Array(key.dropFirst(xattrPrefix.count)), value)
        }.sorted { $0.name.lexicographicallyPrecedes($1.name) }
    }

    /// One record; its length counts its own digits, hence the loop.
    static func record(_ key: String, _ value: [UInt8]) -> [UInt8] {
        record(Array(key.utf8), value)
    }

    static func record(_ key: [UInt8], _ value: [UInt8]) -> [UInt8] {
        let body = [0x20] + key + [UInt8(ascii: "=")] + value + [0x0A]
        var length = body.count + 1
        while String(length).utf8.count + body.count != length { length = String(length).utf8.count + body.count }
        return Array(String(length).utf8) + body
    }
}
