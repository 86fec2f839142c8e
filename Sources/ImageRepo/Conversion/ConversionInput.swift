import Foundation

/// The layers of one image in an OCI layout directory, bottom layer first, as the manifest lists them.
struct ConversionInput: Sendable {
    enum Compression: Sendable, Equatable {
        case none, gzip, zstd
    }

    struct Layer: Sendable {
        let digest: String
        let path: String
        let compression: Compression
        let size: Int64
    }

    let layers: [Layer]

    private struct Descriptor: Decodable {
        let mediaType: String?
        let digest: String
    }
    private struct Index: Decodable {
        let manifests: [Descriptor]
    }
    private struct Manifest: Decodable {
        let mediaType: String?
        let layers: [Descriptor]?
    }

    /// Reads `layout/index.json` and the manifest `manifestDigest`, or the only manifest the index lists.
    init(layout: String, manifestDigest: String?) throws(ConversionError) {
        let digest: String
        if let manifestDigest {
            digest = manifestDigest
        } else {
            let index: Index = try Self.decode("\(layout)/index.json", what: "the index of OCI layout '\(layout)'")
            guard index.manifests.count == 1, let only = index.manifests.first else {
                throw ConversionError(
                    .invalidLayout,
                    "OCI layout '\(layout)' lists \(index.manifests.count) manifests: name the one to convert")
            }
            digest = only.digest
        }
        let manifestPath = try Self.blobPath(layout: layout, digest: digest)
        let manifest: Manifest = try Self.decode(manifestPath, what: "manifest \(digest) of OCI layout '\(layout)'")
        if let type = manifest.mediaType, type.contains("index") || type.contains("manifest.list") {
            throw ConversionError(
                .unsupportedLayer, "\(digest) in OCI layout '\(layout)' is a multi-platform index, not an image manifest")
        }
        guard let descriptors = manifest.layers else {
            throw ConversionError(.invalidLayout, "manifest \(digest) of OCI layout '\(layout)' has no layers")
        }
        var layers: [Layer] = []
        for descriptor in descriptors {
            let path = try Self.blobPath(layout: layout, digest: descriptor.digest)
            let compression = try Self.compression(of: descriptor.mediaType ?? "", layer: descriptor.digest)
            var info = stat()
            guard stat(path, &info) == 0 else { throw ConversionError.errno("layer \(descriptor.digest) is missing at \(path)") }
            layers.append(Layer(digest: descriptor.digest, path: path, compression: compression, size: Int64(info.st_size)))
        }
        self.layers = layers
    }

    /// Media types of OCI and of Docker's schema 2; foreign (non-distributable) layers are the same types.
    static func compression(of mediaType: String, layer: String) throws(ConversionError) -> Compression {
        switch mediaType {
        case "application/vnd.oci.image.layer.v1.tar", "application/vnd.oci.image.layer.nondistributable.v1.tar",
            "application/vnd.docker.image.rootfs.diff.tar":
            return .none
        case "application/vnd.oci.image.layer.v1.tar+gzip", "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
            "application/vnd.docker.image.rootfs.diff.tar.gzip", "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip":
            return .gzip
        case "application/vnd.oci.image.layer.v1.tar+zstd", "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
            "application/vnd.docker.image.rootfs.diff.tar.zstd":
            return .zstd
        default:
            throw ConversionError(.unsupportedLayer, "layer \(layer) has media type '\(mediaType)', which is not a tar layer")
        }
    }

    /// Digests name files: refuse anything that could leave blobs/ (a manifest is external data).
    static func blobPath(layout: String, digest: String) throws(ConversionError) -> String {
        let parts = digest.split(separator: ":", maxSplits: 1)
        let hexDigits = Set("0123456789abcdef")
        guard parts.count == 2, parts[0] == "sha256" || parts[0] == "sha512", !parts[1].isEmpty,
            parts[1].allSatisfy({ hexDigits.contains($0) })
        else {
            throw ConversionError(.invalidLayout, "'\(digest)' in OCI layout '\(layout)' is not a sha256 or sha512 digest")
        }
        return "\(layout)/blobs/\(parts[0])/\(parts[1])"
    }

    private static func decode<T: Decodable>(_ path: String, what: String) throws(ConversionError) -> T {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ConversionError(.invalidLayout, "cannot read \(what) (\(path))", cause: "\(error.localizedDescription)")
        }
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch {
            throw ConversionError(.invalidLayout, "\(what) (\(path)) is not valid JSON of the expected shape", cause: "\(error)")
        }
    }
}
