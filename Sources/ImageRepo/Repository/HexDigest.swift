import Crypto
import Foundation
import HostSystem

/// Lowercase hex digests of in-memory bytes (small blobs, cache keys).
enum HexDigest {
    static func sha256(_ data: Data) -> String { SHA256.hash(data: data).lowercaseHex }

    static func sha256(_ text: String) -> String { sha256(Data(text.utf8)) }

    static func sha512(_ text: String) -> String { SHA512.hash(data: Data(text.utf8)).lowercaseHex }
}
