import Foundation

extension Repository {
    /// Stores the single image of the OCI layout at `layoutDir` as `name@0`, the way pcocc's import does:
    /// every blob (manifest, layers, config) becomes a data object, and custom_meta.oci_index holds index.json.
    ///
    /// Every blob is hashed and compared with its name before anything enters the repository; a mismatch
    /// leaves the repository untouched. Blobs are moved in by rename, never copied, so the layout must be on
    /// the repository's file system (make it with `makeTemporaryDirectory()`); a blob already present is
    /// shared and its duplicate deleted. The meta file is written last, atomically (temp + fsync + rename).
    ///
    /// With `force`, an existing image of that name is replaced: the new `name@0` replaces the old one by
    /// rename (no moment without an image), then the other revisions' meta files are removed.
    /// The layout directory itself is left to its owner (blobs that were moved in are gone from it).
    @discardableResult
    public func storeOCILayout(
        at layoutDir: String, as name: String, owner: String? = nil, force: Bool = false, description: String? = nil
    ) throws(ImageRepoError) -> StoredImage {
        try ImageName.validate(name, what: "image name")
        let layout = try OCILayoutContents(directory: layoutDir)
        // Hashing happens before the lock: it is the slow part, and the layout is private to the caller.
        for blob in layout.blobs {
            guard FileSystem.exists(blob.path) else {
                throw ImageRepoError(.badLayout, "Blob \(blob.digest) is missing from the OCI layout \(layoutDir)")
            }
            let (actual, size) = try BlobDigest.ofFile(blob.path, sync: true)
            guard actual == blob.digest, size == blob.size else {
                throw ImageRepoError(
                    .digestMismatch,
                    "Blob \(blob.digest) of the OCI layout \(layoutDir) does not match its descriptor "
                        + "(content \(actual), \(size) bytes, expected \(blob.size)); nothing was stored in repository \(self.name)"
                )
            }
        }
        let metadata = ImageMetadata(
            name: name, revision: 0, kind: "ctr", owner: owner ?? FileSystem.currentUserName(),
            timestamp: Date().timeIntervalSince1970, dataBlobs: layout.blobs.map(\.digest.prefixed),
            customMeta: .object([.init("oci_index", layout.index)]), description: description)

        return try RepositoryLock.withExclusiveLock(self) { () throws(ImageRepoError) -> StoredImage in
            let previous = try revisions(of: name)
            if !previous.isEmpty && !force {
                throw ImageRepoError(.alreadyExists, "Image \(name) already exists in repo \(self.name)")
            }
            var created: [String] = []
            do throws(ImageRepoError) {
                for blob in layout.blobs {
                    if try moveIntoData(blob.path, digest: blob.digest) { created.append(dataObjectPath(blob.digest)) }
                }
                created.map { ($0 as NSString).deletingLastPathComponent }.forEach(FileSystem.syncDirectory)
                try FileSystem.writeAtomically(
                    Array(metadata.serialized.utf8), to: metaPath(name: name, revision: 0),
                    scratchDirectory: scratchDirectory)
            } catch {
                // Objects created here are referenced by no meta file yet: take them back out.
                for object in created { try? FileSystem.remove(object) }
                throw error
            }
            for revision in previous where revision != 0 {
                try FileSystem.remove(metaPath(name: name, revision: revision))
            }
            FileSystem.syncDirectory(metaDirectory)
            return StoredImage(repository: self, metadata: metadata)
        }
    }

    /// Renames a verified file to its data object path, read-only. Returns false when the object was
    /// already there (the file is then deleted: the object is shared).
    func moveIntoData(_ file: String, digest: BlobDigest) throws(ImageRepoError) -> Bool {
        let target = dataObjectPath(digest)
        try FileSystem.makeDirectory((target as NSString).deletingLastPathComponent)
        if FileSystem.exists(target) {
            try FileSystem.remove(file)
            return false
        }
        guard chmod(file, 0o444) == 0 else { throw FileSystem.failure("Cannot make \(file) read-only") }
        do throws(ImageRepoError) {
            try FileSystem.renameFile(file, to: target)
        } catch  where (error.underlying as? ImageRepoSystemError)?.errno == EXDEV {
            throw ImageRepoError(
                .badLayout,
                "The OCI layout must be on the file system of repository \(name) (make it with makeTemporaryDirectory())",
                underlying: error)
        }
        return true
    }
}
