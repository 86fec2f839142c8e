/// A recursive-descent parser with the acceptance rules of CPython's `json.loads` (strict mode).
struct PythonJSONParser {
    private let bytes: [UInt8]
    private var index = 0
    /// Deep nesting is refused rather than overflowing the stack on a hostile meta file.
    private var depth = 0
    private static let maxDepth = 512

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    mutating func document() throws(PythonJSONError) -> PythonJSON.Value {
        skipWhitespace()
        let value = try parseValue()
        skipWhitespace()
        guard index == bytes.count else { throw failure("Extra data") }
        return value
    }

    private func failure(_ reason: String) -> PythonJSONError { PythonJSONError(reason: reason, offset: index) }

    private mutating func skipWhitespace() {
        while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
    }

    private mutating func consume(_ literal: String) -> Bool {
        let utf8 = Array(literal.utf8)
        guard bytes.count - index >= utf8.count, Array(bytes[index..<index + utf8.count]) == utf8 else { return false }
        index += utf8.count
        return true
    }

    private mutating func parseValue() throws(PythonJSONError) -> PythonJSON.Value {
        guard index < bytes.count else { throw failure("Expecting value") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try nested { (p: inout Self) throws(PythonJSONError) in try p.parseObject() }
        case UInt8(ascii: "["): return try nested { (p: inout Self) throws(PythonJSONError) in try p.parseArray() }
        case UInt8(ascii: "\""): return .string(try parseString())
        default: break
        }
        if consume("null") { return .null }
        if consume("true") { return .bool(true) }
        if consume("false") { return .bool(false) }
        if consume("NaN") { return .double(.nan) }
        if consume("Infinity") { return .double(.infinity) }
        if consume("-Infinity") { return .double(-.infinity) }
        return try parseNumber()
    }

    private mutating func nested(
        _ body: (inout Self) throws(PythonJSONError) -> PythonJSON.Value
    ) throws(PythonJSONError) -> PythonJSON.Value {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maxDepth else { throw failure("Nesting too deep") }
        return try body(&self)
    }

    private mutating func parseObject() throws(PythonJSONError) -> PythonJSON.Value {
        index += 1
        var members: [PythonJSON.Member] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
                throw failure("Expecting property name enclosed in double quotes")
            }
            let key = try parseString()
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else {
                throw failure("Expecting ':' delimiter")
            }
            index += 1
            skipWhitespace()
            let value = try parseValue()
            if let existing = members.firstIndex(where: { $0.key == key }) {
                members[existing].value = value
            } else {
                members.append(PythonJSON.Member(key, value))
            }
            skipWhitespace()
            guard index < bytes.count else { throw failure("Expecting ',' delimiter") }
            let separator = bytes[index]
            index += 1
            if separator == UInt8(ascii: "}") { return .object(members) }
            guard separator == UInt8(ascii: ",") else { throw failure("Expecting ',' delimiter") }
        }
    }

    private mutating func parseArray() throws(PythonJSONError) -> PythonJSON.Value {
        index += 1
        var items: [PythonJSON.Value] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            index += 1
            return .array(items)
        }
        while true {
            skipWhitespace()
            items.append(try parseValue())
            skipWhitespace()
            guard index < bytes.count else { throw failure("Expecting ',' delimiter") }
            let separator = bytes[index]
            index += 1
            if separator == UInt8(ascii: "]") { return .array(items) }
            guard separator == UInt8(ascii: ",") else { throw failure("Expecting ',' delimiter") }
        }
    }

    private mutating func parseNumber() throws(PythonJSONError) -> PythonJSON.Value {
        // Python's NUMBER_RE: (-?(?:0|[1-9]\d*))(\.\d+)?([eE][-+]?\d+)?
        let start = index
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < bytes.count, isDigit(bytes[index]) else {
            index = start
            throw failure("Expecting value")
        }
        if bytes[index] == UInt8(ascii: "0") { index += 1 } else { skipDigits() }
        let integerEnd = index
        var isFloat = false
        if index + 1 < bytes.count, bytes[index] == UInt8(ascii: "."), isDigit(bytes[index + 1]) {
            index += 1
            skipDigits()
            isFloat = true
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            var probe = index + 1
            if probe < bytes.count, bytes[probe] == UInt8(ascii: "+") || bytes[probe] == UInt8(ascii: "-") {
                probe += 1
            }
            if probe < bytes.count, isDigit(bytes[probe]) {
                index = probe
                skipDigits()
                isFloat = true
            }
        }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        if isFloat {
            guard let value = Double(text) else { throw failure("Bad number") }
            return .double(value)
        }
        let digits = String(decoding: bytes[start..<integerEnd], as: UTF8.self)
        return .integer(digits == "-0" ? "0" : digits)
    }

    private func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    private mutating func skipDigits() {
        while index < bytes.count, isDigit(bytes[index]) { index += 1 }
    }

    private mutating func parseString() throws(PythonJSONError) -> String {
        index += 1
        var scalars = String.UnicodeScalarView()
        var run = index
        func flush(_ upTo: Int) {
            scalars.append(contentsOf: String(decoding: bytes[run..<upTo], as: UTF8.self).unicodeScalars)
        }
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                flush(index)
                index += 1
                return String(scalars)
            }
            if byte < 0x20 { throw failure("Invalid control character") }
            if byte != UInt8(ascii: "\\") {
                index += 1
                continue
            }
            flush(index)
            index += 1
            guard index < bytes.count else { break }
            let escape = bytes[index]
            index += 1
            switch escape {
            case UInt8(ascii: "\""): scalars.append("\"")
            case UInt8(ascii: "\\"): scalars.append("\\")
            case UInt8(ascii: "/"): scalars.append("/")
            case UInt8(ascii: "b"): scalars.append("\u{08}")
            case UInt8(ascii: "f"): scalars.append("\u{0C}")
            case UInt8(ascii: "n"): scalars.append("\n")
            case UInt8(ascii: "r"): scalars.append("\r")
            case UInt8(ascii: "t"): scalars.append("\t")
            case UInt8(ascii: "u"): scalars.append(try parseUnicodeEscape())
            default: throw failure("Invalid \\escape")
            }
            run = index
        }
        throw failure("Unterminated string")
    }

    private mutating func hex4() throws(PythonJSONError) -> UInt32 {
        guard index + 4 <= bytes.count,
            let value = UInt32(String(decoding: bytes[index..<index + 4], as: UTF8.self), radix: 16)
        else { throw failure("Invalid \\uXXXX escape") }
        index += 4
        return value
    }

    private mutating func parseUnicodeEscape() throws(PythonJSONError) -> Unicode.Scalar {
        let first = try hex4()
        if (0xD800..<0xDC00).contains(first), consume("\\u") {
            let second = try hex4()
            if (0xDC00..<0xE000).contains(second),
                let scalar = Unicode.Scalar(0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00))
            {
                return scalar
            }
        }
        // Python keeps lone surrogates; a Swift String cannot, and pcocc never writes them.
        guard let scalar = Unicode.Scalar(first) else { throw failure("Unpaired surrogate in \\u escape") }
        return scalar
    }
}
