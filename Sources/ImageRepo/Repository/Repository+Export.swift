import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension Repository {
    /// Rebuilds the OCI layout of a container image at `directory` (created if missing; its parent must
    /// exist): oci-layout, index.json (custom_meta.oci_index without pcocc's stale `path` keys), and
    /// blobs/sha256/<h> linked to the data objects. Nothing is copied, so this takes milliseconds whatever
    /// the image size: a hard link where the file system allows it, else a symbolic link to the object.
    public func exportOCILayout(_ image: StoredImage, to directory: String) throws(ImageRepoError) {
        guard image.kind == "ctr", let index = image.metadata.ociIndex, let manifests = index["manifests"]?.arrayValue
        else {
            throw ImageRepoError(.badMetadata, "Image \(image.reference) is not a container image with an OCI index")
        }
        let objects = Set(try image.metadata.dataObjects())
        for manifest in manifests {
            let digest = try BlobDigest(manifest["digest"]?.stringValue ?? "")
            guard objects.contains(digest) else {
                throw ImageRepoError(
                    .badMetadata,
                    "Image \(image.reference): its index names manifest \(digest), not among its data_blobs")
            }
        }
        for path in [directory, "\(directory)/blobs", "\(directory)/blobs/sha256"] {
            try FileSystem.makeDirectory(path)
        }
        for digest in objects {
            let object = image.repository.dataObjectPath(digest)
            guard FileSystem.exists(object) else {
                throw ImageRepoError(
                    .missingObject,
                    "Object \(digest.hex) of image \(image.reference) not found in repository \(image.repositoryName)")
            }
            try Self.linkObject(object, at: "\(directory)/blobs/sha256/\(digest.hex)")
        }
        let cleanIndex = Self.removingPaths(from: index)
        try FileSystem.writeAtomically(
            Array(PythonJSON.dumps(cleanIndex).utf8), to: "\(directory)/index.json", scratchDirectory: directory)
        try FileSystem.writeAtomically(
            Array(#"{"imageLayoutVersion": "1.0.0"}"#.utf8), to: "\(directory)/oci-layout", scratchDirectory: directory)
    }

    /// A hard link keeps the layout valid even if the repository is garbage-collected meanwhile; a
    /// symbolic link is the fallback across file systems or where hard links to others' files are refused
    /// (fs.protected_hardlinks on a shared system repository).
    private static func linkObject(_ object: String, at path: String) throws(ImageRepoError) {
        if link(object, path) == 0 { return }
        let linkError = errno
        guard [EXDEV, EPERM, EACCES, EMLINK, ENOTSUP].contains(linkError) else {
            throw FileSystem.failure("Cannot link \(object) to \(path)", errno: linkError)
        }
        let absolute = object.hasPrefix("/") ? object : FileManager.default.currentDirectoryPath + "/" + object
        guard symlink(absolute, path) == 0 else { throw FileSystem.failure("Cannot link \(object) to \(path)") }
    }

    /// pcocc leaves a `path` key (a long-gone temporary path) in each manifest entry; it is not OCI.
    static func removingPaths(from index: PythonJSON.Value) -> PythonJSON.Value {
        guard var members = index.objectValue, let position = members.firstIndex(where: { $0.key == "manifests" }),
            let manifests = members[position].value.arrayValue
        else { return index }
        members[position].value = .array(
            manifests.map { entry in
                guard let fields = entry.objectValue else { return entry }
                return .object(fields.filter { $0.key != "path" })
            })
        return .object(members)
    }
}

extension StoredImage {
    /// Rebuilds this image's OCI layout by links in a temporary directory, hands its path to `body` (e.g. skopeo), and
    /// removes it on every path. The directory is in the repository's .tmp when the user can write there (hard links,
    /// so a concurrent garbage collection cannot pull a blob away), else in the user's temporary directory: a site's
    /// shared repository is read-only to its users, and exporting from it writes nothing in it.
    public func withOCILayout<Result>(_ body: (String) async throws -> Result) async throws -> Result {
        let image = self
        guard image.kind == "ctr" else {
            throw ImageRepoError(
                .unsupported,
                "Image \(image.reference) is a \(image.kind) image, not a container image: it cannot be exported to docker"
            )
        }
        let scratchDirectory = repository.scratchDirectory
        let parent = access(scratchDirectory, W_OK | X_OK) == 0 ? scratchDirectory : NSTemporaryDirectory()
        let scratch = try TemporaryDirectory(in: parent)
        defer { scratch.remove() }
        let layout = scratch.path + "/layout"
        try repository.exportOCILayout(image, to: layout)
        return try await body(layout)
    }
}
