import Crypto
import HostSystem

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A sha256 content address as pcocc accepts it: bare hex (the data object's file name) or with the
/// `sha256:` prefix (how container data_blobs are written). Other algorithms are refused, as by pcocc.
public struct BlobDigest: Sendable, Hashable, CustomStringConvertible {
    /// 64 lowercase hex digits.
    public let hex: String

    public init(_ text: String) throws(ImageRepoError) {
        var hex = Substring(text)
        if let colon = hex.firstIndex(of: ":") {
            let algorithm = hex[..<colon]
            guard algorithm == "sha256" else {
                throw ImageRepoError(
                    .unsupported, "Unsupported digest algorithm '\(algorithm)' in '\(text)': only sha256 is supported")
            }
            hex = hex[hex.index(after: colon)...]
        }
        // The hex becomes a file name: anything but 64 lowercase hex digits could escape data/.
        guard hex.utf8.count == 64, hex.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) })
        else {
            throw ImageRepoError(.badMetadata, "Bad sha256 digest '\(text)'")
        }
        self.hex = String(hex)
    }

    init(verifiedHex: String) { self.hex = verifiedHex }

    /// `sha256:<hex>`, the form pcocc writes in container data_blobs and OCI descriptors use.
    public var prefixed: String { "sha256:\(hex)" }

    public var description: String { prefixed }

    /// The sha256 of a file's content, read in 1 MiB pieces; when `sync` is set the file is also fsynced
    /// on the same descriptor, so a blob is on disk before a meta file refers to it.
    static func ofFile(_ path: String, sync: Bool = false) throws(ImageRepoError) -> (digest: BlobDigest, size: Int64) {
        let descriptor = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard descriptor >= 0 else { throw FileSystem.failure("Cannot open \(path)") }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            throw ImageRepoError(.badLayout, "\(path) is not a regular file")
        }
        var hasher = SHA256()
        var size: Int64 = 0
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let count = read(descriptor, buffer.baseAddress, buffer.count)
            if count == 0 { break }
            if count < 0 {
                if errno == EINTR { continue }
                throw FileSystem.failure("Cannot read \(path)")
            }
            hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: buffer[..<count]))
            size += Int64(count)
        }
        if sync && fsync(descriptor) != 0 { throw FileSystem.failure("Cannot flush \(path) to disk") }
        let hex = hasher.finalize().lowercaseHex
        return (BlobDigest(verifiedHex: hex), size)
    }
}
