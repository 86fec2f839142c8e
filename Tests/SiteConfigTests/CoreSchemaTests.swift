import XCTest
import Yams

@testable import SiteConfig

/// CoreSchema must type every plain scalar the way Yams' default resolver (its regular expressions) does.
final class CoreSchemaTests: XCTestCase {
    func testTheEdgesOfEachPatternResolveAsYamsDefaultResolverDoes() {
        let samples = [
            "", "~", "null", "Null", "NULL", "nUll", "yes", "Yes", "YES", "yEs", "on", "Off", "true", "False", "y",
            "0", "-0", "+0", "00", "07", "08", "0o17", "0o", "0b", "0b101", "0b102", "0x", "0x1F", "0xg", "1_000",
            "_1", "1:30", "1:60", "1:5", "1:05:59", "0:30", "1:", "+12", "-", "+", "1.5", "1.", ".5", "._", "1e5",
            "1e", "1.5e-3", ".5e3", ".5e+3", "1:30.5", "1:30.", ".inf", "-.inf", "+.Inf", ".NaN", "-.nan", "<<", "=",
            "2024-01-31", "2024-1-3", "2024-1-3T1:02:03", "2024-01-31 12:00:00.5 Z", "2024-01-31t12:00:00+1",
            "2024-01-31T12:00:00 -05:30", "2024-01-31T12:00:00 ", "2024-01-31T12:00:00-5:3", "12024-01-31",
            "/scratch/alice", "http://10.0.2.2:5000", "alloc", "5s", "0x1:2",
        ]
        for text in samples {
            XCTAssertEqual(CoreSchema.tag(ofPlain: text).rawValue, Node(text).tag.rawValue, "'\(text)'")
        }
    }

    /// Strings drawn from the characters the patterns are made of: every one typed alike.
    func testGeneratedScalarsResolveAsYamsDefaultResolverDoes() {
        let alphabet = Array("0123456789_:.-+eExobT Znaif")
        var generator = SeededGenerator(seed: 0x5eed)
        for _ in 0..<20000 {
            let length = Int.random(in: 1...7, using: &generator)
            let text = String((0..<length).map { _ in alphabet.randomElement(using: &generator)! })
            XCTAssertEqual(CoreSchema.tag(ofPlain: text).rawValue, Node(text).tag.rawValue, "'\(text)'")
        }
    }

    func testQuotedAndExplicitlyTaggedScalarsKeepTheirTag() throws {
        let node = try XCTUnwrap(try Yams.compose(yaml: "a: '5'\nb: !!str 5\nc: 5\nd: ! true\ne: true\n", .basic))
        let tags = try XCTUnwrap(node.mapping).map { (_, value) in CoreSchema.tag(of: value) }
        XCTAssertEqual(tags, [.str, .str, .int, .str, .bool])
    }
}

/// SplitMix64: the same strings on every run.
private struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE5_E9B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
}
