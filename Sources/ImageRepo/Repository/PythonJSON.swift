/// JSON as Python's `json` module sees it, so that what we write and hash is byte-for-byte what
/// pcocc writes and hashes (`json.dump(meta, f)`, `json.dumps(meta)` in its cache key).
///
/// Objects keep their key order (Python dicts do), integers keep their digits (Python ints are
/// unbounded), and floats are kept as `Double` because Python re-prints them with `repr`.
public enum PythonJSON {
    public indirect enum Value: Sendable, Equatable {
        case null
        case bool(Bool)
        /// The integer's decimal digits, normalised as Python's `int` prints them.
        case integer(String)
        case double(Double)
        case string(String)
        case array([Value])
        /// Members in document order; a repeated key keeps its first position and its last value, as `json.loads` does.
        case object([Member])

        public static func int(_ value: Int) -> Value { .integer(String(value)) }

        /// The member `key` of an object, or nil.
        public subscript(key: String) -> Value? {
            guard case .object(let members) = self else { return nil }
            return members.first { $0.key == key }?.value
        }

        public var stringValue: String? {
            if case .string(let text) = self { return text }
            return nil
        }

        public var intValue: Int? {
            if case .integer(let digits) = self { return Int(digits) }
            return nil
        }

        /// Any JSON number as a Double (Python's `type: number`).
        public var numberValue: Double? {
            switch self {
            case .integer(let digits): return Double(digits)
            case .double(let value): return value
            default: return nil
            }
        }

        public var arrayValue: [Value]? {
            if case .array(let items) = self { return items }
            return nil
        }

        public var objectValue: [Member]? {
            if case .object(let members) = self { return members }
            return nil
        }
    }

    public struct Member: Sendable, Equatable {
        public var key: String
        public var value: Value

        public init(_ key: String, _ value: Value) {
            self.key = key
            self.value = value
        }
    }

    /// Parses a document as `json.loads` does (NaN and Infinity accepted, control characters in strings refused).
    public static func parse(_ bytes: [UInt8]) throws(PythonJSONError) -> Value {
        var parser = PythonJSONParser(bytes)
        return try parser.document()
    }

    public static func parse(_ text: String) throws(PythonJSONError) -> Value {
        try parse(Array(text.utf8))
    }
}

/// Why a document could not be parsed, with the byte offset as Python reports it.
public struct PythonJSONError: Error, Sendable, CustomStringConvertible {
    public let reason: String
    public let offset: Int
    public var description: String { "\(reason) (at byte \(offset))" }
}
