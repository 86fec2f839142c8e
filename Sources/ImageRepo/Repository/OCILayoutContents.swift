import Foundation

/// What a single-image OCI layout directory holds, read from its index.json and manifest: the blobs to
/// store, in pcocc's data_blobs order (manifest, each layer, config; no duplicates), with their declared sizes.
struct OCILayoutContents {
    struct Blob {
        let digest: BlobDigest
        let size: Int64
        let path: String
    }

    let directory: String
    /// index.json as parsed, key order kept: stored as custom_meta.oci_index.
    let index: PythonJSON.Value
    let blobs: [Blob]

    static let manifestTypes = [
        "application/vnd.oci.image.manifest.v1+json", "application/vnd.docker.distribution.manifest.v2+json",
    ]

    init(directory: String) throws(ImageRepoError) {
        self.directory = directory
        index = try Self.readJSON("\(directory)/index.json", layout: directory)
        guard let manifests = index["manifests"]?.arrayValue, manifests.count == 1 else {
            throw ImageRepoError(.badLayout, "The OCI layout \(directory) must hold exactly one manifest in index.json")
        }
        let manifestBlob = try Self.descriptor(manifests[0], in: directory, what: "index.json manifest")
        if let mediaType = manifests[0]["mediaType"]?.stringValue, !Self.manifestTypes.contains(mediaType) {
            throw ImageRepoError(.badLayout, "The OCI layout \(directory) holds a \(mediaType), not an image manifest")
        }
        let manifest = try Self.readJSON(manifestBlob.path, layout: directory, expected: manifestBlob.digest)
        guard let config = manifest["config"], let layers = manifest["layers"]?.arrayValue else {
            throw ImageRepoError(
                .badLayout, "The manifest \(manifestBlob.digest) of \(directory) has no config or layers")
        }
        var blobs = [manifestBlob]
        for (position, layer) in layers.enumerated() {
            blobs.append(try Self.descriptor(layer, in: directory, what: "layer \(position)"))
        }
        blobs.append(try Self.descriptor(config, in: directory, what: "config"))
        var seen = Set<BlobDigest>()
        self.blobs = blobs.filter { seen.insert($0.digest).inserted }
    }

    private static func descriptor(
        _ value: PythonJSON.Value, in directory: String, what: String
    ) throws(ImageRepoError) -> Blob {
        guard let digestText = value["digest"]?.stringValue, let size = value["size"]?.intValue, size >= 0 else {
            throw ImageRepoError(
                .badLayout, "The \(what) descriptor of the OCI layout \(directory) lacks a digest or size")
        }
        let digest: BlobDigest
        do throws(ImageRepoError) {
            digest = try BlobDigest(digestText)
        } catch {
            throw ImageRepoError(
                .badLayout, "The \(what) of the OCI layout \(directory) has a bad digest", underlying: error)
        }
        return Blob(digest: digest, size: Int64(size), path: "\(directory)/blobs/sha256/\(digest.hex)")
    }

    /// Parses a layout file; with `expected`, only after checking that the bytes parsed are the ones named.
    private static func readJSON(
        _ file: String, layout: String, expected: BlobDigest? = nil
    ) throws(ImageRepoError) -> PythonJSON.Value {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw FileSystem.failure("Cannot read \(file) of the OCI layout \(layout)")
        }
        if let expected, HexDigest.sha256(data) != expected.hex {
            throw ImageRepoError(
                .digestMismatch,
                "Blob \(expected) of the OCI layout \(layout) does not match its digest; nothing was stored")
        }
        do throws(PythonJSONError) {
            return try PythonJSON.parse(Array(data))
        } catch {
            throw ImageRepoError(.badLayout, "\(file) of the OCI layout \(layout) is not valid JSON", underlying: error)
        }
    }
}
