import XCTest

@testable import ImageRepo

/// Python's json module is the reference: pcocc writes meta files with json.dump and hashes json.dumps.
final class PythonJSONTests: XCTestCase {
    func testFloatReprMatchesPython() throws {
        var generator = SystemRandomNumberGenerator()
        var values: [Double] = [
            0, -0.0, 1, -1, 0.1, 0.5, 1732290000.5, 1732290000.123456, 1e15, 1e16, 1e17, 123_456_789_012_345_680,
            0.0001, 0.00001, 1e-7, Double.leastNonzeroMagnitude, 1.7976931348623157e308, 2.5e-5, 9_999_999_999_999_998,
            0.30000000000000004, 100, 1e22,
        ]
        for _ in 0..<3000 {
            values.append(Double(bitPattern: generator.next() & ~(0x7FF << 52) | (UInt64.random(in: 900...1150) << 52)))
        }
        for _ in 0..<500 { values.append(Double.random(in: 1.6e9...1.9e9)) }
        let bits = values.map { String($0.bitPattern) }.joined(separator: "\n")
        let expected = try Tool.python(
            "import sys,struct\nfor l in sys.stdin.read().split():\n print(repr(struct.unpack('<d', struct.pack('<Q', int(l)))[0]))",
            input: bits
        ).split(separator: "\n").map(String.init)
        XCTAssertEqual(expected.count, values.count)
        for (value, pythonRepr) in zip(values, expected) {
            XCTAssertEqual(PythonJSON.floatRepr(value), pythonRepr, "bits \(value.bitPattern)")
        }
    }

    func testStringsAreEscapedLikeEnsureASCII() throws {
        let strings = [
            "plain", "quote\" back\\slash /", "tab\tnl\ncr\r\u{08}\u{0C}", "\u{01}\u{1F}\u{7F}", "é€", "emoji 😀", "日本",
        ]
        let document = PythonJSON.Value.array(strings.map(PythonJSON.Value.string))
        let ours = PythonJSON.dumps(document)
        let pythons = try Tool.python(
            "import json,sys\nsys.stdout.write(json.dumps(json.loads(sys.stdin.read())))", input: ours)
        XCTAssertEqual(ours, pythons)
        XCTAssertEqual(try PythonJSON.parse(ours), document)
    }

    func testReserialisationMatchesPython() throws {
        let source = #"""
            {"b": 1, "a": [true, false, null, -0, 10.0, 1E+2, 2.50, -3e-5, 12345678901234567890123],
             "nested": {"x": {}, "y": [], "z": "\u00e9\ud83d\ude00\"\/"}, "b": 2, "f": 1732290000.5}
            """#
        let ours = PythonJSON.dumps(try PythonJSON.parse(source))
        let pythons = try Tool.python(
            "import json,sys\nsys.stdout.write(json.dumps(json.loads(sys.stdin.read())))", input: source)
        XCTAssertEqual(ours, pythons)
    }

    func testRejectsWhatPythonRejects() {
        for text in ["", "{", "[1,]", "{\"a\" 1}", "01", "1.", "\"\u{01}\"", "[1] x", "{'a': 1}"] {
            XCTAssertThrowsError(try PythonJSON.parse(text), text)
        }
    }
}
