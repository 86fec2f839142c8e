extension PythonJSON {
    /// The text `json.dumps(value)` produces with its defaults: separators ", " and ": ", keys in
    /// insertion order, `ensure_ascii=True`, floats printed with `repr`.
    public static func dumps(_ value: Value) -> String {
        var output = ""
        write(value, to: &output)
        return output
    }

    private static func write(_ value: Value, to output: inout String) {
        switch value {
        case .null: output += "null"
        case .bool(let flag): output += flag ? "true" : "false"
        case .integer(let digits): output += digits
        case .double(let number): output += floatRepr(number)
        case .string(let text): output += quoted(text)
        case .array(let items):
            output += "["
            for (position, item) in items.enumerated() {
                if position > 0 { output += ", " }
                write(item, to: &output)
            }
            output += "]"
        case .object(let members):
            output += "{"
            for (position, member) in members.enumerated() {
                if position > 0 { output += ", " }
                output += quoted(member.key)
                output += ": "
                write(member.value, to: &output)
            }
            output += "}"
        }
    }

    /// A string as `json.dumps` quotes it with `ensure_ascii=True`: only printable ASCII (space to `~`)
    /// is kept as is; everything else becomes `\uXXXX` (lowercase hex, UTF-16 surrogate pairs).
    public static func quoted(_ text: String) -> String {
        var output = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case "\u{08}": output += "\\b"
            case "\u{0C}": output += "\\f"
            case " "..."~": output.unicodeScalars.append(scalar)
            default:
                if scalar.value > 0xFFFF {
                    let offset = scalar.value - 0x10000
                    output += hexEscape(0xD800 + (offset >> 10)) + hexEscape(0xDC00 + (offset & 0x3FF))
                } else {
                    output += hexEscape(scalar.value)
                }
            }
        }
        return output + "\""
    }

    private static func hexEscape(_ unit: UInt32) -> String {
        let hex = String(unit, radix: 16)
        return "\\u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }

    /// Python's `repr(float)` (what `json.dumps` prints): the shortest digits that round-trip, in fixed
    /// notation when the decimal exponent is in [-4, 16), else as `d.ddde+XX`; `.0` added to whole numbers.
    public static func floatRepr(_ number: Double) -> String {
        if number.isNaN { return "NaN" }
        if number.isInfinite { return number < 0 ? "-Infinity" : "Infinity" }
        let (negative, digits, pointPosition) = shortestDigits(number)
        let sign = negative ? "-" : ""
        // Python: use exponent notation when decpt <= -4 or decpt > 16 (value = 0.DIGITS x 10^decpt).
        if pointPosition <= -4 || pointPosition > 16 {
            let exponent = pointPosition - 1
            var mantissa = String(digits.prefix(1))
            if digits.count > 1 { mantissa += "." + digits.dropFirst() }
            let exponentDigits = String(abs(exponent))
            let paddedExponent = exponentDigits.count < 2 ? "0" + exponentDigits : exponentDigits
            return sign + mantissa + "e" + (exponent < 0 ? "-" : "+") + paddedExponent
        }
        if pointPosition <= 0 {
            return sign + "0." + String(repeating: "0", count: -pointPosition) + digits
        }
        if pointPosition < digits.count {
            let split = digits.index(digits.startIndex, offsetBy: pointPosition)
            return sign + digits[..<split] + "." + digits[split...]
        }
        return sign + digits + String(repeating: "0", count: pointPosition - digits.count) + ".0"
    }

    /// Shortest round-trip digits (no leading or trailing zeros, "0" for zero) and the decimal point
    /// position, taken from Swift's `description`, which uses the same shortest-digits rule as Python.
    private static func shortestDigits(_ number: Double) -> (negative: Bool, digits: String, pointPosition: Int) {
        var text = Substring(number.description)
        let negative = text.hasPrefix("-")
        if negative { text = text.dropFirst() }
        var exponent = 0
        if let marker = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            exponent = Int(text[text.index(after: marker)...]) ?? 0
            text = text[..<marker]
        }
        let integerPart = text.split(separator: ".", omittingEmptySubsequences: false).first ?? ""
        var digits = String(text.filter { $0 != "." })
        var pointPosition = integerPart.count + exponent
        while digits.hasPrefix("0") && digits.count > 1 {
            digits.removeFirst()
            pointPosition -= 1
        }
        while digits.hasSuffix("0") && digits.count > 1 { digits.removeLast() }
        if digits == "0" { pointPosition = 1 }
        return (negative, digits, pointPosition)
    }
}
