#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A private scratch directory (mode 0700) that is removed with everything in it when released or when
/// `remove()` is called. Made under a repository's .tmp/ so that blobs written there can be renamed into data/.
public final class TemporaryDirectory: Sendable {
    public let path: String

    /// Creates `<parent>/<prefix>XXXXXX`.
    public init(in parent: String, prefix: String = "pcocc-docker-") throws(ImageRepoError) {
        var template = Array("\(parent)/\(prefix)XXXXXX".utf8CString)
        let created = template.withUnsafeMutableBufferPointer { buffer in buffer.baseAddress.flatMap { mkdtemp($0) } }
        guard created != nil else { throw FileSystem.failure("Cannot create a temporary directory in \(parent)") }
        path = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Removes the directory now; calling it again (or the deinit) is harmless.
    public func remove() {
        FileSystem.removeTree(path)
    }

    deinit { remove() }
}
