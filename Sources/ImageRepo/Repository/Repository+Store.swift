import Foundation

extension Repository {
    /// Stores the image of the OCI layout at `layoutDir` as `name`, the way pcocc's import does: every blob (manifest,
    /// layers, config) becomes a data object, and custom_meta.oci_index holds index.json. Every blob is hashed first;
    /// a mismatch leaves the repository untouched. Without `force` an existing name is refused; with it the image is
    /// written as the next revision and the old ones stay (pcocc never replaces an image in place).
    ///
    /// Blobs are moved in by rename, never copied, so the layout must be on the repository's file system (make it
    /// with `makeTemporaryDirectory()`). The layout directory itself is left to its owner.
    @discardableResult
    public func storeOCILayout(
        at layoutDir: String, as name: String, owner: String? = nil, force: Bool = false, description: String? = nil
    ) throws(ImageRepoError) -> StoredImage {
        let layout = try OCILayout(directory: layoutDir)
        try layout.verifyBlobs(sync: true)
        return try store(layout, as: name, owner: owner, force: force, description: description)
    }

    /// Stores an OCI layout whose blobs were verified (`OCILayout.verifyBlobs(sync: true)`), under the repository
    /// lock. `beforeCommit` runs once the data objects are in and before the meta file is written, with the image as
    /// it will be stored (a cache entry keyed by its meta goes in there); the undo it returns runs if the meta file
    /// then cannot be written. The meta file is created without ever replacing one: if another writer (pcocc takes no
    /// lock) made that revision meanwhile, the store is redone with the next revision, or refused without `force`.
    /// On failure the objects this call created are taken back out: the repository is as it was.
    func store(
        _ layout: OCILayout, as name: String, owner: String?, force: Bool, description: String?,
        lockTimeout: Duration = RepositoryLock.defaultTimeout,
        beforeCommit: (StoredImage) throws(ImageRepoError) -> (@Sendable () -> Void)? = { _ in nil }
    ) throws(ImageRepoError) -> StoredImage {
        try ImageName.validate(name, what: "image name")
        let index = try layout.indexDocument()
        let owner = owner ?? FileSystem.currentUserName()
        return try RepositoryLock.withExclusiveLock(self, timeout: lockTimeout) {
            () throws(ImageRepoError) -> StoredImage in
            var attempts = 0
            while true {
                let previous = try revisions(of: name)
                if !previous.isEmpty && !force {
                    throw ImageRepoError(.alreadyExists, "Image \(name) already exists in repo \(self.name)")
                }
                let metadata = ImageMetadata(
                    name: name, revision: (previous.last ?? -1) + 1, kind: "ctr", owner: owner,
                    timestamp: Date().timeIntervalSince1970, dataBlobs: layout.blobs.map(\.digest.prefixed),
                    customMeta: .object([.init("oci_index", index)]), description: description)
                let image = StoredImage(repository: self, metadata: metadata)
                do throws(ImageRepoError) {
                    try commit(image, layout: layout, beforeCommit: beforeCommit)
                    return image
                } catch  where error.code == .alreadyExists && attempts < 3 {
                    attempts += 1
                }
            }
        }
    }

    /// The data objects, then the hook, then the meta file; everything this call added is removed on failure.
    private func commit(
        _ image: StoredImage, layout: OCILayout,
        beforeCommit: (StoredImage) throws(ImageRepoError) -> (@Sendable () -> Void)?
    ) throws(ImageRepoError) {
        var created: [String] = []
        var undo: (@Sendable () -> Void)?
        do throws(ImageRepoError) {
            for blob in layout.blobs {
                if try moveIntoData(blob.path, digest: blob.digest) { created.append(dataObjectPath(blob.digest)) }
            }
            Set(created.map { ($0 as NSString).deletingLastPathComponent }).forEach(FileSystem.syncDirectory)
            undo = try beforeCommit(image)
            try FileSystem.writeNew(
                Array(image.metadata.serialized.utf8), to: image.metaPath, scratchDirectory: scratchDirectory)
        } catch {
            undo?()
            // Objects created here are referenced by no meta file: take them back out. The layout's copies are gone
            // (renamed in), so a retry with the next revision needs them back where the layout names them.
            for blob in layout.blobs where created.contains(dataObjectPath(blob.digest)) {
                if rename(dataObjectPath(blob.digest), blob.path) != 0 {
                    try? FileSystem.remove(dataObjectPath(blob.digest))
                }
            }
            throw error
        }
    }

    /// Renames a verified file to its data object path, read-only. Returns false when a good object was already
    /// there (the file is then deleted: the object is shared). An existing object is hashed before it is trusted: one
    /// whose content does not match its name (a torn copy, a tampered file) is replaced by the verified file.
    func moveIntoData(_ file: String, digest: BlobDigest) throws(ImageRepoError) -> Bool {
        let target = dataObjectPath(digest)
        try FileSystem.makeDirectory((target as NSString).deletingLastPathComponent)
        if FileSystem.exists(target) {
            if (try? BlobDigest.ofFile(target).digest) == digest {
                try FileSystem.remove(file)
                return false
            }
        }
        guard chmod(file, 0o444) == 0 else { throw FileSystem.failure("Cannot make \(file) read-only") }
        do throws(ImageRepoError) {
            try FileSystem.renameFile(file, to: target)
        } catch  where error.systemErrno == EXDEV {
            throw ImageRepoError(
                .badLayout,
                "The OCI layout must be on the file system of repository \(name) (make it with makeTemporaryDirectory())",
                underlying: error)
        }
        return true
    }
}
