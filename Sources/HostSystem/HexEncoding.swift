/// Lowercase hexadecimal text of bytes, two digits each: digests in file names and cache keys, random bytes in the
/// job disk's record. One spelling for all of them, so that a name written by one part is found by another.
extension Sequence where Element == UInt8 {
    public var lowercaseHex: String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(underestimatedCount * 2)
        for byte in self {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
