import Foundation

/// Field access on one 512-byte ustar/GNU header block.
struct TarHeaderBlock {
    let bytes: [UInt8]

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    var typeflag: UInt8 { bytes[156] }

    /// POSIX ustar keeps a path prefix at 345; GNU's "ustar  " header uses that area for other things.
    var isPOSIX: Bool { bytes[257..<263].elementsEqual("ustar\0".utf8) }

    var ustarPath: [UInt8] {
        let name = string(0, 100)
        guard isPOSIX else { return name }
        let prefix = string(345, 155)
        return prefix.isEmpty ? name : prefix + [TarPath.slash] + name
    }

    func string(_ offset: Int, _ length: Int) -> [UInt8] {
        Array(bytes[offset..<(offset + length)].prefix { $0 != 0 })
    }

    /// Octal, or GNU base-256 when the high bit of the first byte is set (big uids, sizes over 8 GiB).
    func number(_ offset: Int, _ length: Int) -> Int? {
        let field = bytes[offset..<(offset + length)]
        if let first = field.first, first & 0x80 != 0 {
            // Positive values that fit an Int only; a negative size or id is damage.
            let rest = field.dropFirst()
            let low = rest.suffix(8)
            guard first == 0x80, rest.dropLast(8).allSatisfy({ $0 == 0 }), low.count < 8 || (low.first ?? 0) < 0x80
            else {
                return nil
            }
            return low.reduce(0) { ($0 << 8) | Int($1) }
        }
        var value = 0
        var seenDigit = false
        for byte in field {
            if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "7") {
                value = value * 8 + Int(byte - UInt8(ascii: "0"))
                seenDigit = true
            } else if byte == 0x20 && !seenDigit {
                continue
            } else if byte == 0 || byte == 0x20 {
                break
            } else {
                return nil
            }
        }
        return value
    }

    /// Old writers summed signed bytes, so both sums are accepted.
    var checksumIsValid: Bool {
        guard let stored = number(148, 8) else { return false }
        var unsigned = 0
        var signed = 0
        for (index, byte) in bytes.enumerated() {
            let value = (148..<156).contains(index) ? 0x20 : byte
            unsigned += Int(value)
            signed += Int(Int8(bitPattern: value))
        }
        return stored == unsigned || stored == signed
    }

    /// A header for `path` with everything ustar can hold; fields that do not fit go into a PAX header first.
    static func make(
        name: [UInt8], typeflag: UInt8, mode: UInt32, uid: Int, gid: Int, size: Int, mtime: Int,
        linkName: [UInt8] = [], deviceMajor: UInt32 = 0, deviceMinor: UInt32 = 0
    ) -> [UInt8] {
        var block = [UInt8](repeating: 0, count: 512)
        func put(_ value: some Collection<UInt8>, _ offset: Int, _ length: Int) {
            for (index, byte) in value.prefix(length).enumerated() { block[offset + index] = byte }
        }
        func octal(_ value: Int, _ offset: Int, _ length: Int) {
            let digits = String(max(0, value), radix: 8)
            let padded = String(repeating: "0", count: max(0, length - 1 - digits.count)) + digits
            put(padded.utf8, offset, length - 1)
        }
        put(name, 0, 100)
        octal(Int(mode), 100, 8)
        octal(uid, 108, 8)
        octal(gid, 116, 8)
        octal(size, 124, 12)
        octal(mtime, 136, 12)
        block[156] = typeflag
        put(linkName, 157, 100)
        put("ustar\0".utf8, 257, 6)
        put("00".utf8, 263, 2)
        octal(Int(deviceMajor), 329, 8)
        octal(Int(deviceMinor), 337, 8)
        put("        ".utf8, 148, 8)
        let sum = block.reduce(0) { $0 + Int($1) }
        octal(sum, 148, 7)
        return block
    }
}

/// PAX extended header records ("LEN KEY=VALUE\n").
enum PAXRecords {
    static func parse(_ data: [UInt8], in name: String) throws(ConversionError) -> [(String, [UInt8])] {
        var records: [(String, [UInt8])] = []
        var start = 0
        while start < data.count {
            if data[start] == 0 { break }
            guard let space = data[start...].firstIndex(of: 0x20),
                let length = Int(String(decoding: data[start..<space], as: UTF8.self)), length > 0,
                start + length <= data.count, data[start + length - 1] == 0x0A,
                let equals = data[(space + 1)..<(start + length)].firstIndex(of: UInt8(ascii: "="))
            else {
                throw ConversionError(.malformedLayer, "\(name) has a malformed PAX extended header")
            }
            let key = String(decoding: data[(space + 1)..<equals], as: UTF8.self)
            records.append((key, Array(data[(equals + 1)..<(start + length - 1)])))
            start += length
        }
        return records
    }

    /// Extended attributes from SCHILY.xattr.NAME (raw value) and LIBARCHIVE.xattr.NAME (URL-encoded name, base64 value).
    static func xattrs(_ pax: [String: [UInt8]]) -> [(name: String, value: [UInt8])] {
        var result: [(name: String, value: [UInt8])] = []
        for (key, value) in pax.sorted(by: { $0.key < $1.key }) {
            if key.hasPrefix("SCHILY.xattr.") {
                result.append((String(key.dropFirst("SCHILY.xattr.".count)), value))
            } else if key.hasPrefix("LIBARCHIVE.xattr.") {
                let name = String(key.dropFirst("LIBARCHIVE.xattr.".count)).removingPercentEncoding
                var text = String(decoding: value, as: UTF8.self)
                text += String(repeating: "=", count: (4 - text.count % 4) % 4)
                if let name, let decoded = Data(base64Encoded: text), !result.contains(where: { $0.name == name }) {
                    result.append((name, Array(decoded)))
                }
            }
        }
        return result
    }

    /// One record; its length counts its own digits, hence the loop.
    static func record(_ key: String, _ value: [UInt8]) -> [UInt8] {
        let body = Array(" \(key)=".utf8) + value + [0x0A]
        var length = body.count + 1
        while String(length).utf8.count + body.count != length { length = String(length).utf8.count + body.count }
        return Array(String(length).utf8) + body
    }
}
