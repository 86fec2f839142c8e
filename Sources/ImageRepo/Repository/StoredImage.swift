/// One revision of an image in one repository.
public struct StoredImage: Sendable {
    public let repository: Repository
    public let metadata: ImageMetadata

    public var repositoryName: String { repository.name }
    public var name: String { metadata.name }
    public var revision: Int { metadata.revision }
    public var kind: String { metadata.kind }

    /// `REPO:NAME@REVISION`, the fully qualified pcocc name.
    public var reference: String { "\(repository.name):\(metadata.name)@\(metadata.revision)" }

    /// `meta/<name>@<revision>` in the repository.
    public var metaPath: String { repository.metaPath(name: metadata.name, revision: metadata.revision) }

    /// The data object files, in data_blobs order.
    public func dataObjectPaths() throws(ImageRepoError) -> [String] {
        try metadata.dataObjects().map(repository.dataObjectPath)
    }

    /// Bytes used by the distinct data objects (shared ones are counted once per image); missing ones count 0.
    public func size() -> Int64 {
        let digests = (try? metadata.dataObjects()) ?? []
        return Set(digests).reduce(0) { $0 + (FileSystem.fileSize(repository.dataObjectPath($1)) ?? 0) }
    }
}
