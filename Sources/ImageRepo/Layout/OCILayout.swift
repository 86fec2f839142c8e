import Foundation

/// One image of an OCI layout directory, read once for everything an import does with it: the store (every blob,
/// index.json for the meta file) and the conversion (the layers, the image config for the bundle's config.json).
/// index.json, the manifest and the config are parsed as Codable types; the manifest and the config are checked
/// against their digests before they are believed. Layers are only hashed by `verifyBlobs` (the slow part).
public struct OCILayout: Sendable {
    /// A blob named by a descriptor, at `blobs/sha256/<hex>` in the layout.
    public struct Blob: Sendable, Equatable {
        public let digest: BlobDigest
        /// As the descriptor declares it.
        public let size: Int64
        public let path: String
    }

    /// How a layer's tar stream is stored.
    public enum Compression: Sendable, Equatable {
        case none, gzip, zstd
    }

    public struct Layer: Sendable {
        public let blob: Blob
        public let compression: Compression

        /// `sha256:<hex>`, for messages.
        public var digest: String { blob.digest.prefixed }
        public var path: String { blob.path }
        public var size: Int64 { blob.size }
    }

    public let directory: String
    /// index.json's bytes, kept for the meta file's custom_meta.oci_index (pcocc stores `json.load(index.json)`).
    let indexBytes: [UInt8]
    public let manifest: Blob
    public let config: Blob
    /// Bottom layer first, as the manifest lists them.
    public let layers: [Layer]
    /// The image config's bytes, verified: the bundle's config.json is made from them.
    let configBytes: [UInt8]

    /// Reads `directory/index.json` and the manifest `manifestDigest`, or the only manifest the index lists.
    public init(directory: String, manifestDigest: String? = nil) throws(ImageRepoError) {
        self.directory = directory
        indexBytes = try Self.read("\(directory)/index.json", what: "the index of OCI layout \(directory)")
        let index: Index = try Self.decode(indexBytes, what: "the index.json of OCI layout \(directory)")
        let entry: Descriptor
        if let manifestDigest {
            let wanted = try BlobDigest(manifestDigest)
            guard let found = index.manifests.first(where: { (try? BlobDigest($0.digest)) == wanted }) else {
                throw ImageRepoError(
                    .badLayout, "OCI layout \(directory) has no manifest \(manifestDigest) in its index.json")
            }
            entry = found
        } else {
            guard index.manifests.count == 1, let only = index.manifests.first else {
                throw ImageRepoError(
                    .badLayout,
                    "OCI layout \(directory) lists \(index.manifests.count) manifests in index.json: name the one to use"
                )
            }
            entry = only
        }
        try Self.checkManifestType(entry.mediaType, digest: entry.digest, layout: directory)
        manifest = try Self.blob(entry, in: directory, what: "manifest")
        let manifestBytes = try Self.readVerified(manifest, layout: directory, what: "manifest")
        let parsed: Manifest = try Self.decode(
            manifestBytes, what: "manifest \(manifest.digest) of OCI layout \(directory)")
        try Self.checkManifestType(parsed.mediaType, digest: entry.digest, layout: directory)
        guard let configDescriptor = parsed.config, let layerDescriptors = parsed.layers else {
            throw ImageRepoError(
                .badLayout, "Manifest \(manifest.digest) of OCI layout \(directory) has no config or no layers")
        }
        config = try Self.blob(configDescriptor, in: directory, what: "config")
        configBytes = try Self.readVerified(config, layout: directory, what: "config")
        var layers: [Layer] = []
        for (position, descriptor) in layerDescriptors.enumerated() {
            let blob = try Self.blob(descriptor, in: directory, what: "layer \(position)")
            layers.append(
                Layer(blob: blob, compression: try Self.compression(of: descriptor.mediaType ?? "", layer: blob)))
        }
        self.layers = layers
    }

    /// Every blob, in pcocc's data_blobs order: the manifest, each layer, the config; no duplicates.
    public var blobs: [Blob] {
        var seen = Set<BlobDigest>()
        return ([manifest] + layers.map(\.blob) + [config]).filter { seen.insert($0.digest).inserted }
    }

    /// index.json as Python parses it (key order kept), for the meta file.
    func indexDocument() throws(ImageRepoError) -> PythonJSON.Value {
        do throws(PythonJSONError) {
            return try PythonJSON.parse(indexBytes)
        } catch {
            throw ImageRepoError(
                .badLayout, "The index.json of OCI layout \(directory) is not valid JSON", underlying: error)
        }
    }

    /// Hashes every blob and checks it against its descriptor (digest and size), fsyncing it on the way when `sync`
    /// is set (a blob must be on disk before a meta file names it). Nothing is believed before this passes.
    public func verifyBlobs(sync: Bool = false) throws(ImageRepoError) {
        for blob in blobs {
            guard FileSystem.exists(blob.path) else {
                throw ImageRepoError(.badLayout, "Blob \(blob.digest) is missing from the OCI layout \(directory)")
            }
            let (actual, size) = try BlobDigest.ofFile(blob.path, sync: sync)
            guard actual == blob.digest, size == blob.size else {
                throw ImageRepoError(
                    .digestMismatch,
                    "Blob \(blob.digest) of the OCI layout \(directory) does not match its descriptor "
                        + "(content \(actual), \(size) bytes, expected \(blob.size))")
            }
        }
    }

    // MARK: - The files

    struct Descriptor: Decodable {
        let mediaType: String?
        let digest: String
        let size: Int64?
    }

    struct Index: Decodable {
        let manifests: [Descriptor]
    }

    struct Manifest: Decodable {
        let mediaType: String?
        let config: Descriptor?
        let layers: [Descriptor]?
    }

    static let manifestTypes: Set<String> = [
        "application/vnd.oci.image.manifest.v1+json", "application/vnd.docker.distribution.manifest.v2+json",
    ]

    private static func checkManifestType(_ type: String?, digest: String, layout: String) throws(ImageRepoError) {
        guard let type, !manifestTypes.contains(type) else { return }
        let what = type.contains("index") || type.contains("manifest.list") ? "a multi-platform index" : "a \(type)"
        throw ImageRepoError(.unsupportedLayer, "\(digest) in OCI layout \(layout) is \(what), not an image manifest")
    }

    /// Digests name files: only a well-formed sha256 (BlobDigest) may become a path under blobs/.
    private static func blob(_ descriptor: Descriptor, in layout: String, what: String) throws(ImageRepoError) -> Blob {
        let digest: BlobDigest
        do throws(ImageRepoError) {
            digest = try BlobDigest(descriptor.digest)
        } catch {
            throw ImageRepoError(.badLayout, "The \(what) of OCI layout \(layout) has a bad digest", underlying: error)
        }
        guard let size = descriptor.size, size >= 0 else {
            throw ImageRepoError(.badLayout, "The \(what) descriptor of OCI layout \(layout) has no valid size")
        }
        return Blob(digest: digest, size: size, path: "\(layout)/blobs/sha256/\(digest.hex)")
    }

    /// Media types of OCI and of Docker's schema 2; foreign (non-distributable) layers are the same types.
    static func compression(of mediaType: String, layer: Blob) throws(ImageRepoError) -> Compression {
        switch mediaType {
        case "application/vnd.oci.image.layer.v1.tar", "application/vnd.oci.image.layer.nondistributable.v1.tar",
            "application/vnd.docker.image.rootfs.diff.tar":
            return .none
        case "application/vnd.oci.image.layer.v1.tar+gzip",
            "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
            "application/vnd.docker.image.rootfs.diff.tar.gzip",
            "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip":
            return .gzip
        case "application/vnd.oci.image.layer.v1.tar+zstd",
            "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
            "application/vnd.docker.image.rootfs.diff.tar.zstd":
            return .zstd
        default:
            throw ImageRepoError(
                .unsupportedLayer, "Layer \(layer.digest) has media type '\(mediaType)', which is not a tar layer")
        }
    }

    private static func read(_ path: String, what: String) throws(ImageRepoError) -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            let reason = FileSystem.exists(path) ? "unreadable" : "missing"
            throw ImageRepoError(.badLayout, "Cannot read \(what): \(path) is \(reason)")
        }
        return Array(data)
    }

    /// A small blob's bytes, only once they hash to its digest.
    private static func readVerified(_ blob: Blob, layout: String, what: String) throws(ImageRepoError) -> [UInt8] {
        let bytes = try read(blob.path, what: "the \(what) of OCI layout \(layout)")
        guard HexDigest.sha256(Data(bytes)) == blob.digest.hex else {
            throw ImageRepoError(
                .digestMismatch, "The \(what) \(blob.digest) of OCI layout \(layout) does not match its digest")
        }
        return bytes
    }

    private static func decode<T: Decodable>(_ bytes: [UInt8], what: String) throws(ImageRepoError) -> T {
        do {
            return try JSONDecoder().decode(T.self, from: Data(bytes))
        } catch {
            throw ImageRepoError(.badLayout, "\(what) is not valid JSON of the expected shape", cause: "\(error)")
        }
    }
}
