import ChildProcess
import Foundation
import HostSystem

/// What an import produced.
public struct ImportedImage: Sendable {
    public let image: StoredImage
    /// The cache entry pcocc runs the image from (a squashfs file or a bundle directory).
    public let cacheEntry: String
    public let stats: ConversionStats
}

/// A whole import, from an OCI layout to a stored image and the cache entry pcocc runs it from:
/// 1. the layout is made (by the caller's `fill`, e.g. skopeo) in a scratch directory of the destination
///    repository's .tmp, so that its blobs can be renamed into data/;
/// 2. every blob is hashed against its descriptor;
/// 3. the cache entry is built in the cache directory under a hidden pending name (the slow part, and the one that
///    needs space: a failure here leaves the repository and the cache as they were);
/// 4. under the repository lock, the blobs are moved into data/, the entry is renamed to the key of the new meta
///    file, and the meta file is created last, never replacing one; any failure takes both back out.
/// The scratch directory and the pending entry go on every path, cancellation included.
public struct ImageImport: Sendable {
    public let repositories: ImageRepositories
    /// The cache entry made: pcocc's `runtime.image_driver` and `runtime.image_mountpoints`, and the compression.
    public var format: CacheEntryFormat
    public var lockTimeout: Duration
    /// The meta file's owner; nil is the current user, as pcocc.
    public var owner: String?

    public init(
        repositories: ImageRepositories, format: CacheEntryFormat = CacheEntryFormat(),
        lockTimeout: Duration = RepositoryLock.defaultTimeout
    ) {
        self.repositories = repositories
        self.format = format
        self.lockTimeout = lockTimeout
    }

    /// The repository `name` goes to; an existing name is refused there unless `force` (checked again under the
    /// lock: this early check only spares a useless copy).
    @discardableResult
    public func checkDestination(_ name: ImageName, force: Bool) throws(ImageRepoError) -> Repository {
        guard name.revision == nil else {
            throw ImageRepoError(
                .badName, "Cannot store '\(name)': the repository chooses the revision (give NAME or REPO:NAME)")
        }
        let repository = try repositories.destination(for: name)
        if !force && repository.contains(name.name) {
            throw ImageRepoError(
                .alreadyExists,
                "Image \(name.name) already exists in repo \(repository.name): choose another name, or --force to store a new revision"
            )
        }
        return repository
    }

    /// Imports the image that `fill` writes as an OCI layout at the path it is given. Errors of `fill` are
    /// rethrown as they are; the others are `ImageRepoError`s.
    public func run(
        as name: ImageName, force: Bool, progress: @escaping @Sendable (String) -> Void = { _ in },
        meter: (any ConversionMeter)? = nil, fill: (String) async throws -> Void
    ) async throws -> ImportedImage {
        let repository = try checkDestination(name, force: force)
        let scratch = try repository.makeTemporaryDirectory()
        defer { scratch.remove() }
        let layoutPath = scratch.path + "/layout"
        try await fill(layoutPath)
        guard !Task.isCancelled else { throw ImageRepoError(.cancelled, "The import of \(name) was cancelled") }

        let layout = try OCILayout(directory: layoutPath)
        try await runBlocking("pcocc-docker verify") { () throws(ImageRepoError) in try layout.verifyBlobs(sync: true) }

        let cache = repositories.cache
        try FileSystem.makeDirectories(cache.directory)
        let pending = "\(cache.directory)/.pcocc-docker-pending-\(UUID().uuidString)"
        defer { FileSystem.removeTree(pending) }
        progress(format.driver == .squashfs ? "Generating squashfs image ..." : "Generating OCI bundle ...")
        let conversion = ConversionProgress(layers: layout.layers)
        meter?.started(conversion)
        let stats: ConversionStats
        do {
            stats = try await CacheEntryBuilder.build(layout, format: format, output: pending, progress: conversion)
            meter?.finished(conversion)
        } catch {
            meter?.finished(conversion)
            throw error
        }

        progress("Storing image in repository '\(repository.name)' as '\(name.name)' ...")
        for other in repositories.otherRepositories(holding: name.name, besides: repository) {
            progress("warning: an image named '\(name.name)' also exists in repository '\(other.name)'")
        }
        let (owner, lockTimeout, kind) = (owner, lockTimeout, format.driver.cacheKind)
        let image = try await runBlocking("pcocc-docker store") { () throws(ImageRepoError) -> StoredImage in
            try repository.store(
                layout, as: name.name, owner: owner, force: force, description: nil, lockTimeout: lockTimeout
            ) { (image) throws(ImageRepoError) -> (@Sendable () -> Void)? in
                let entry = cache.path(for: image, kind: kind)
                try FileSystem.makeDirectory((entry as NSString).deletingLastPathComponent)
                try Self.place(pending, at: entry)
                // Back to the pending name, so that a store redone with the next revision can place it again.
                return { _ = rename(entry, pending) }
            }
        }
        return ImportedImage(image: image, cacheEntry: cache.path(for: image, kind: kind), stats: stats)
    }

    /// Renames the finished entry to its key, never over an existing one: a file by link(2), a directory by
    /// rename(2) (which fails on a non-empty directory).
    static func place(_ pending: String, at entry: String) throws(ImageRepoError) {
        if FileSystem.isDirectory(pending) {
            guard !FileSystem.exists(entry) else {
                throw ImageRepoError(.alreadyExists, "Cache entry \(entry) already exists: it was not replaced")
            }
            try FileSystem.renameFile(pending, to: entry)
            FileSystem.syncDirectory((entry as NSString).deletingLastPathComponent)
        } else {
            try FileSystem.createWithoutReplacing(entry, from: pending)
            try FileSystem.remove(pending)
        }
    }
}
