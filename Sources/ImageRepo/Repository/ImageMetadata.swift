/// The content of one meta file (`meta/<name>@<revision>`), checked against pcocc's schema.
public struct ImageMetadata: Sendable {
    public let name: String
    public let revision: Int
    /// `ctr` (container, OCI blobs) or `vm` (qcow2 files, the last one current).
    public let kind: String
    public let owner: String
    /// Seconds since the epoch.
    public let timestamp: Double
    /// As written: `sha256:<hex>` for containers, bare hex for pcocc's VM images.
    public let dataBlobs: [String]
    public let customMeta: PythonJSON.Value?
    public let description: String?
    /// The document exactly as parsed (key order included): pcocc's cache key hashes its re-serialisation.
    public let document: PythonJSON.Value

    static let requiredKeys = ["name", "revision", "data_blobs", "kind", "owner", "timestamp"]
    static let allowedKeys = requiredKeys + ["description", "custom_meta"]

    /// Builds a new meta document with pcocc's key order: name, revision, kind, owner, timestamp,
    /// data_blobs, custom_meta (then description, which pcocc never writes itself).
    public init(
        name: String, revision: Int, kind: String, owner: String, timestamp: Double,
        dataBlobs: [String], customMeta: PythonJSON.Value, description: String? = nil
    ) {
        var members: [PythonJSON.Member] = [
            .init("name", .string(name)), .init("revision", .int(revision)), .init("kind", .string(kind)),
            .init("owner", .string(owner)), .init("timestamp", .double(timestamp)),
            .init("data_blobs", .array(dataBlobs.map(PythonJSON.Value.string))), .init("custom_meta", customMeta),
        ]
        if let description { members.append(.init("description", .string(description))) }
        self.name = name
        self.revision = revision
        self.kind = kind
        self.owner = owner
        self.timestamp = timestamp
        self.dataBlobs = dataBlobs
        self.customMeta = customMeta
        self.description = description
        self.document = .object(members)
    }

    /// Validates a parsed meta file; `origin` names it in errors.
    public init(document: PythonJSON.Value, origin: String) throws(ImageRepoError) {
        func bad(_ problem: String) -> ImageRepoError {
            ImageRepoError(.badMetadata, "Bad metadata in \(origin): \(problem)")
        }
        guard let members = document.objectValue else { throw bad("not a JSON object") }
        for member in members where !Self.allowedKeys.contains(member.key) {
            throw bad("unexpected key '\(member.key)'")
        }
        for key in Self.requiredKeys where document[key] == nil { throw bad("'\(key)' is missing") }
        guard let name = document["name"]?.stringValue else { throw bad("'name' is not a string") }
        guard let revision = document["revision"]?.intValue else { throw bad("'revision' is not an integer") }
        guard let kind = document["kind"]?.stringValue else { throw bad("'kind' is not a string") }
        guard let owner = document["owner"]?.stringValue else { throw bad("'owner' is not a string") }
        guard let timestamp = document["timestamp"]?.numberValue else { throw bad("'timestamp' is not a number") }
        guard let blobs = document["data_blobs"]?.arrayValue?.compactMap(\.stringValue),
            blobs.count == document["data_blobs"]?.arrayValue?.count
        else { throw bad("'data_blobs' is not a list of strings") }
        let customMeta = document["custom_meta"]
        if let customMeta, customMeta.objectValue == nil { throw bad("'custom_meta' is not an object") }
        let description = document["description"]
        if let description, description.stringValue == nil { throw bad("'description' is not a string") }
        self.name = name
        self.revision = revision
        self.kind = kind
        self.owner = owner
        self.timestamp = timestamp
        self.dataBlobs = blobs
        self.customMeta = customMeta
        self.description = description?.stringValue
        self.document = document
    }

    /// The OCI layout's index.json content, for container images.
    public var ociIndex: PythonJSON.Value? { customMeta?["oci_index"] }

    /// The data objects in data_blobs order, as content addresses.
    public func dataObjects() throws(ImageRepoError) -> [BlobDigest] {
        var digests: [BlobDigest] = []
        for blob in dataBlobs { digests.append(try BlobDigest(blob)) }
        return digests
    }

    /// The bytes pcocc's `json.dump(meta, f)` writes for this document.
    public var serialized: String { PythonJSON.dumps(document) }
}
