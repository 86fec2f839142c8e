import HostSystem
import XCTest

final class HexEncodingTests: XCTestCase {
    func testEveryByteIsTwoLowercaseDigits() {
        XCTAssertEqual([UInt8]().lowercaseHex, "")
        XCTAssertEqual([0x00, 0x0f, 0x10, 0xa5, 0xff].lowercaseHex, "000f10a5ff")
        let all = (0...255).map { UInt8($0) }.lowercaseHex
        XCTAssertEqual(all.count, 512)
        XCTAssertEqual(String(all.suffix(6)), "fdfeff")
    }

    func testAnySequenceOfBytes() {
        XCTAssertEqual("default".utf8.lowercaseHex, "64656661756c74")
        XCTAssertEqual(stride(from: UInt8(0xf0), through: 0xf2, by: 1).lowercaseHex, "f0f1f2")
    }
}
