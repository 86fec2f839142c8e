/// pcocc's cache of derived data (squashfs images, extracted bundles), keyed exactly as pcocc keys it so
/// that `pcocc run` finds what pcocc-docker generated.
///
/// pcocc's `ImageMgr.cache_key` hashes `json.dumps(meta) + "\n" + kind` with sha256, where meta is the
/// meta file as `get_meta` returns it: parsed, then with `"repo": <repository name>` appended. `Cache.hash_key`
/// hashes that hex digest with sha512, and the entry lives at `<cache>/<h[:2]>/<h>`.
/// The key covers the whole meta (timestamp, index), so a replaced image never reuses a stale entry.
public struct ImageCache: Sendable {
    public enum Kind: String, Sendable, CaseIterable {
        /// A squashfs of the flattened rootfs (runtime.image_driver: squashfs).
        case squashfs = "cached_squashfs"
        /// An extracted bundle directory: rootfs/ and config.json (runtime.image_driver: flat).
        case bundle = "cached_bundle"
    }

    public let directory: String

    public init(directory: String) { self.directory = directory }

    /// `k`: sha256 hex of `json.dumps(meta) + "\n" + kind`.
    public static func key(for image: StoredImage, kind: Kind) -> String {
        var members = image.metadata.document.objectValue ?? []
        members.removeAll { $0.key == "repo" }
        members.append(.init("repo", .string(image.repositoryName)))
        return HexDigest.sha256(PythonJSON.dumps(.object(members)) + "\n" + kind.rawValue)
    }

    /// `h`: sha512 hex of the key, the entry's file name.
    public static func hashKey(_ key: String) -> String { HexDigest.sha512(key) }

    /// Where the entry of `kind` for `image` is (it may not exist); `<cache>/<h[:2]>` may have to be created.
    public func path(for image: StoredImage, kind: Kind) -> String {
        let hash = Self.hashKey(Self.key(for: image, kind: kind))
        return "\(directory)/\(hash.prefix(2))/\(hash)"
    }
}
