/// One 512-byte tar header block, read the way Go's archive/tar (1.19, which docker 20.10 is built with) reads it:
/// format guessed from the checksum and magic, numbers parsed strictly (a number Go cannot read makes the whole
/// layer unreadable for docker, so it is an error here too).
struct TarHeaderBlock {
    enum Format {
        /// No magic: no prefix, no device numbers.
        case v7
        /// "ustar\0": POSIX ustar or PAX, with the 155-byte path prefix.
        case ustar
        /// "ustar\0" and "tar\0" at 508: the prefix is 131 bytes.
        case star
        /// "ustar  \0": GNU, whose prefix area holds atime and ctime instead.
        case gnu
    }

    let bytes: [UInt8]

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    var typeflag: UInt8 { bytes[156] }

    /// nil when the checksum does not match (Go: ErrHeader). Old writers summed signed bytes: both sums count.
    var format: Format? {
        guard let stored = try? TarNumber.octal(bytes[148..<156]) else { return nil }
        // Every byte summed in one tight loop (once per entry: it showed in profiles), the checksum field then
        // counted as spaces; a signed sum is the unsigned one less 256 for each byte from 0x80.
        var sum = 0
        var high = 0
        for byte in bytes {
            sum &+= Int(byte)
            high &+= Int(byte >> 7)
        }
        for byte in bytes[148..<156] {
            sum &-= Int(byte)
            high &-= Int(byte >> 7)
        }
        sum += 8 * 0x20
        let (unsigned, signed) = (Int64(sum), Int64(sum - 256 * high))
        guard stored == unsigned || stored == signed else { return nil }
        let magic = bytes[257..<263]
        if magic.elementsEqual("ustar\0".utf8) {
            return bytes[508..<512].elementsEqual("tar\0".utf8) ? .star : .ustar
        }
        if magic.elementsEqual("ustar ".utf8) && bytes[263..<265].elementsEqual(" \0".utf8) { return .gnu }
        return .v7
    }

    /// Go's parseString: the bytes up to the first NUL.
    func string(_ offset: Int, _ length: Int) -> [UInt8] {
        Array(bytes[offset..<(offset + length)].prefix { $0 != 0 })
    }

    func number(_ offset: Int, _ length: Int) throws(TarNumber.Invalid) -> Int64 {
        try TarNumber.numeric(bytes[offset..<(offset + length)])
    }

    /// The name, with the prefix the format has (Go's readHeader).
    func name(format: Format) -> [UInt8] {
        let name = string(0, 100)
        var prefix: [UInt8] = []
        switch format {
        case .v7: break
        case .ustar: prefix = string(345, 155)
        case .star: prefix = string(345, 131)
        case .gnu:
            // Go before 1.8 wrote a ustar prefix into GNU headers: when atime or ctime does not parse, Go reads
            // that area as a prefix (if it is ASCII).
            let atime = bytes[345] == 0 || (try? number(345, 12)) != nil
            let ctime = bytes[357] == 0 || (try? number(357, 12)) != nil
            if !(atime && ctime) {
                let candidate = string(345, 155)
                if candidate.allSatisfy({ $0 < 0x80 }) { prefix = candidate }
            }
        }
        return prefix.isEmpty ? name : prefix + [TarPath.slash] + name
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

/// Go's number parsing for tar (archive/tar/strconv.go and strconv.ParseInt), error for error.
enum TarNumber {
    struct Invalid: Error {}

    /// GNU base-256 when the high bit is set (two's complement, at most 63 bits), else octal.
    static func numeric(_ field: ArraySlice<UInt8>) throws(Invalid) -> Int64 {
        guard let first = field.first, first & 0x80 != 0 else { return try octal(field) }
        let inverse: UInt8 = first & 0x40 != 0 ? 0xFF : 0
        var value: UInt64 = 0
        for (index, raw) in field.enumerated() {
            var byte = raw ^ inverse
            if index == 0 { byte &= 0x7F }
            guard value >> 56 == 0 else { throw Invalid() }
            value = value << 8 | UInt64(byte)
        }
        guard value >> 63 == 0 else { throw Invalid() }
        return inverse == 0xFF ? ~Int64(value) : Int64(value)
    }

    /// Leading and trailing spaces and NULs trimmed, cut at the first NUL left, then octal digits only.
    static func octal(_ field: ArraySlice<UInt8>) throws(Invalid) -> Int64 {
        let isPadding = { (byte: UInt8) in byte == 0x20 || byte == 0 }
        guard let start = field.firstIndex(where: { !isPadding($0) }),
            let last = field.lastIndex(where: { !isPadding($0) })
        else { return 0 }
        let digits = field[start...last].prefix { $0 != 0 }
        guard !digits.isEmpty else { throw Invalid() }
        var value: UInt64 = 0
        for digit in digits {
            guard digit >= UInt8(ascii: "0") && digit <= UInt8(ascii: "7"), value >> 61 == 0 else { throw Invalid() }
            value = value << 3 | UInt64(digit - UInt8(ascii: "0"))
        }
        // Go converts the unsigned result to int64 as is.
        return Int64(bitPattern: value)
    }

    /// strconv.ParseInt(text, 10, 64): an optional sign, decimal digits, no overflow.
    static func decimal(_ text: some Collection<UInt8>) throws(Invalid) -> Int64 {
        var digits = text[...]
        var negative = false
        if let sign = digits.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
            negative = sign == UInt8(ascii: "-")
            digits = digits.dropFirst()
        }
        guard !digits.isEmpty else { throw Invalid() }
        var magnitude: UInt64 = 0
        for digit in digits {
            guard digit >= UInt8(ascii: "0") && digit <= UInt8(ascii: "9") else { throw Invalid() }
            let (times, overflow) = magnitude.multipliedReportingOverflow(by: 10)
            let (sum, carry) = times.addingReportingOverflow(UInt64(digit - UInt8(ascii: "0")))
            guard !overflow && !carry else { throw Invalid() }
            magnitude = sum
        }
        if negative {
            guard magnitude <= UInt64(Int64.max) + 1 else { throw Invalid() }
            return magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude)
        }
        guard magnitude <= UInt64(Int64.max) else { throw Invalid() }
        return Int64(magnitude)
    }

    /// Go's parsePAXTime, as docker then uses it: whole seconds, and 0 for a time before the epoch or past what Go's
    /// os.Chtimes takes (docker's system.Chtimes falls back to the epoch for both).
    static func paxTime(_ text: [UInt8]) throws(Invalid) -> Int64 {
        let dot = text.firstIndex(of: UInt8(ascii: "."))
        let seconds = try decimal(text[..<(dot ?? text.endIndex)])
        var nanoseconds: Int64 = 0
        if let dot {
            let fraction = text[(dot + 1)...]
            guard fraction.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { throw Invalid() }
            for index in 0..<9 {
                let digit = fraction.dropFirst(index).first.map { Int64($0 - UInt8(ascii: "0")) } ?? 0
                nanoseconds = nanoseconds * 10 + digit
            }
            if text.first == UInt8(ascii: "-") { nanoseconds = -nanoseconds }
        }
        return chtimesSeconds(seconds, nanoseconds)
    }

    /// The seconds docker's Chtimes sets for time.Unix(seconds, nanoseconds).
    static func chtimesSeconds(_ seconds: Int64, _ nanoseconds: Int64 = 0) -> Int64 {
        // Normalise like time.Unix: 0 <= nanoseconds < 1e9.
        var whole = seconds
        var fraction = nanoseconds
        if fraction < 0 {
            whole = whole == Int64.min ? whole : whole - 1
            fraction += 1_000_000_000
        }
        // Before the epoch, or after time.Unix(0, 1<<63 - 1) = 9223372036.854775807 s.
        if whole < 0 || whole > 9_223_372_036 || (whole == 9_223_372_036 && fraction > 854_775_807) { return 0 }
        return whole
    }
}
