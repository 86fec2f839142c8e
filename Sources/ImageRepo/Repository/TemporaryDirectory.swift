import HostSystem

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
        do {
            path = try PrivateDirectory.createUnique(in: parent, prefix: prefix)
        } catch {
            throw FileSystem.failure(
                "Cannot create a temporary directory in \(parent)", errno: error.errno?.rawValue ?? errno)
        }
    }

    /// Removes the directory now; calling it again (or the deinit) is harmless.
    public func remove() {
        FileSystem.removeTree(path)
    }

    deinit { remove() }
}
