import Yams

/// The tag Yams' default resolver gives a scalar (YAML 1.1's bool, int, float, null and timestamp, the merge and
/// value keys, else str), decided without that resolver's seven ICU regular expressions: compiling them took a
/// third of `pcocc-docker env`'s time, and every command reads the configuration files. Files are composed with
/// `Resolver.basic` and their scalars typed here; the patterns are Yams' own (Resolver.swift), written out.
enum CoreSchema {
    /// A node's tag: a scalar's explicit tag as written, else the one its plain text resolves to.
    static func tag(of node: Node) -> Tag.Name {
        guard case .scalar(let scalar) = node else { return Tag.Name(rawValue: node.tag.rawValue) }
        // The tag as parsed: "" for an untagged plain scalar (quoted ones arrive tagged str), "!" non-specific.
        switch scalar.tag.rawValue {
        case "": return tag(ofPlain: scalar.string)
        case "!": return .str
        case let written: return Tag.Name(rawValue: written)
        }
    }

    /// In the default resolver's order: bool, int, float, merge, null, timestamp, value.
    static func tag(ofPlain text: String) -> Tag.Name {
        let bytes = Array(text.utf8)
        if bool(text) != nil { return .bool }
        if isInt(bytes) { return .int }
        if isFloat(bytes) { return .float }
        if text == "<<" { return .merge }
        if ["~", "null", "Null", "NULL", ""].contains(text) { return .null }
        if isTimestamp(bytes) { return .timestamp }
        if text == "=" { return .value }
        return .str
    }

    /// A bool's value, for the spellings the resolver calls bool.
    static func bool(_ text: String) -> Bool? {
        switch text {
        case "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON": true
        case "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF": false
        default: nil
        }
    }

    private static func isInt(_ bytes: [UInt8]) -> Bool {
        let alternatives: [(inout PatternCursor) -> Bool] = [
            { $0.sign() && $0.literal("0b") && $0.some(of: "01_") },
            { $0.sign() && $0.literal("0") && $0.optional("o") && $0.some(of: "01234567_") },
            { $0.sign() && ($0.literal("0") || ($0.one(of: "123456789") && $0.any(of: digitsAndUnderscore))) },
            { $0.sign() && $0.literal("0x") && $0.some(of: "0123456789abcdefABCDEF_") },
            { $0.sign() && $0.one(of: "123456789") && $0.any(of: digitsAndUnderscore) && $0.sexagesimalGroups() },
        ]
        return alternatives.contains { PatternCursor.matchesWhole(bytes, $0) }
    }

    private static func isFloat(_ bytes: [UInt8]) -> Bool {
        let alternatives: [(inout PatternCursor) -> Bool] = [
            {
                $0.sign() && $0.one(of: digits) && $0.any(of: digitsAndUnderscore)
                    && $0.optionalGroup { $0.literal(".") && $0.any(of: digitsAndUnderscore) }
                    && $0.optionalGroup { $0.one(of: "eE") && $0.optional("-+") && $0.some(of: digits) }
            },
            {
                $0.literal(".") && $0.some(of: digitsAndUnderscore)
                    && $0.optionalGroup { $0.one(of: "eE") && $0.one(of: "-+") && $0.some(of: digits) }
            },
            {
                $0.sign() && $0.one(of: digits) && $0.any(of: digitsAndUnderscore) && $0.sexagesimalGroups()
                    && $0.literal(".") && $0.any(of: digitsAndUnderscore)
            },
            { $0.sign() && $0.literal(".") && ($0.literal("inf") || $0.literal("Inf") || $0.literal("INF")) },
            { $0.literal(".") && ($0.literal("nan") || $0.literal("NaN") || $0.literal("NAN")) },
        ]
        return alternatives.contains { PatternCursor.matchesWhole(bytes, $0) }
    }

    private static func isTimestamp(_ bytes: [UInt8]) -> Bool {
        let alternatives: [(inout PatternCursor) -> Bool] = [
            {
                $0.digits(4...4) && $0.literal("-") && $0.digits(2...2) && $0.literal("-") && $0.digits(2...2)
            },
            {
                $0.digits(4...4) && $0.literal("-") && $0.digits(1...2) && $0.literal("-") && $0.digits(1...2)
                    && ($0.one(of: "Tt") || $0.some(of: " \t"))
                    && $0.digits(1...2) && $0.literal(":") && $0.digits(2...2) && $0.literal(":") && $0.digits(2...2)
                    && $0.optionalGroup { $0.literal(".") && $0.any(of: digits) }
                    && $0.optionalGroup {
                        $0.any(of: " \t")
                            && ($0.literal("Z")
                                || ($0.one(of: "-+") && $0.digits(1...2)
                                    && $0.optionalGroup { $0.literal(":") && $0.digits(2...2) }))
                    }
            },
        ]
        return alternatives.contains { PatternCursor.matchesWhole(bytes, $0) }
    }

    private static let digits = "0123456789"
    private static let digitsAndUnderscore = "0123456789_"
}

/// A position in a scalar's bytes and the pieces the resolver's patterns are made of. Each piece consumes what it
/// matches and says whether it matched; the patterns are written so that greedy matching never needs to go back.
private struct PatternCursor {
    let bytes: [UInt8]
    var index = 0

    static func matchesWhole(_ bytes: [UInt8], _ pattern: (inout PatternCursor) -> Bool) -> Bool {
        var cursor = PatternCursor(bytes: bytes)
        return pattern(&cursor) && cursor.index == bytes.count
    }

    private func next(in set: String) -> Bool {
        index < bytes.count && set.utf8.contains(bytes[index])
    }

    /// One byte of `set`.
    mutating func one(of set: String) -> Bool {
        guard next(in: set) else { return false }
        index += 1
        return true
    }

    /// Zero or more bytes of `set`; always matches.
    mutating func any(of set: String) -> Bool {
        while next(in: set) { index += 1 }
        return true
    }

    /// One or more bytes of `set`.
    mutating func some(of set: String) -> Bool {
        one(of: set) && any(of: set)
    }

    /// Zero or one byte of `set`; always matches.
    mutating func optional(_ set: String) -> Bool {
        _ = one(of: set)
        return true
    }

    /// An optional leading + or -.
    mutating func sign() -> Bool { optional("-+") }

    mutating func literal(_ text: String) -> Bool {
        let expected = Array(text.utf8)
        guard bytes.count - index >= expected.count, Array(bytes[index..<index + expected.count]) == expected else {
            return false
        }
        index += expected.count
        return true
    }

    /// Between `count.lowerBound` and `count.upperBound` decimal digits, as many as there are.
    mutating func digits(_ count: ClosedRange<Int>) -> Bool {
        let start = index
        while index - start < count.upperBound && next(in: "0123456789") { index += 1 }
        return index - start >= count.lowerBound
    }

    /// `group` or nothing: where `group` fails, the cursor goes back to where it was. Always matches.
    mutating func optionalGroup(_ group: (inout PatternCursor) -> Bool) -> Bool {
        let start = index
        if !group(&self) { index = start }
        return true
    }

    /// One or more `:` followed by a base-60 digit pair (`[0-5]?[0-9]`).
    mutating func sexagesimalGroups() -> Bool {
        var groups = 0
        while true {
            let start = index
            guard literal(":") else { break }
            let pair = next(in: "012345") && index + 1 < bytes.count && "0123456789".utf8.contains(bytes[index + 1])
            if pair {
                index += 2
            } else if !one(of: "0123456789") {
                index = start
                break
            }
            groups += 1
        }
        return groups > 0
    }
}
