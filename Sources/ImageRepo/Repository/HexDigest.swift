import Crypto
import Foundation

/// Lowercase hex digests of in-memory bytes (small blobs, cache keys).
enum HexDigest {
    static func sha256(_ data: Data) -> String { hex(SHA256.hash(data: data)) }

    static func sha256(_ text: String) -> String { sha256(Data(text.utf8)) }

    static func sha512(_ text: String) -> String { hex(SHA512.hash(data: Data(text.utf8))) }

    static func hex<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        bytes.map { byte in (byte < 16 ? "0" : "") + String(byte, radix: 16) }.joined()
    }
}
