import Foundation
import Synchronization

/// Makes the cache entry pcocc runs an image from, in the format its `runtime.image_driver` asks for.
public enum CacheEntryBuilder {
    /// Writes the bundle of `layout`'s image at `output` (a squashfs file or a bundle directory), which must not
    /// exist; it appears only once complete and on disk.
    public static func build(
        _ layout: OCILayout, format: CacheEntryFormat, output: String, progress: ConversionProgress? = nil
    ) async throws(ImageRepoError) -> ConversionStats {
        let shape = OutputShape.pcoccBundle(mountPoints: format.mountPoints)
        defer { progress?.finish() }
        switch format.driver {
        case .squashfs:
            return try await SquashfsBuilder.build(
                layout, output: output, shape: shape, compression: format.compression, progress: progress)
        case .flat:
            return try await BundleDirectoryBuilder.build(layout, output: output, shape: shape, progress: progress)
        }
    }
}

/// Turns an image of an OCI layout into a squashfs: the layers stream, top layer first, through `LayerFlattener`
/// into `SquashfsWriter` (libsquashfs); no root file system is written to disk. Modes (setuid, setgid, sticky),
/// device nodes, fifos, xattrs (capabilities included), hard links and, unless squashed, owners are kept, as root or
/// not: the image is built from the entries, no file is ever created.
public enum SquashfsBuilder {
    /// The squashfs of `manifestDigest` (or of the only manifest in `layout/index.json`) at `output`.
    public static func build(
        layout: String, manifestDigest: String? = nil, output: String, shape: OutputShape = .rootFileSystem,
        compression: SquashfsCompression = .stored
    ) async throws(ImageRepoError) -> ConversionStats {
        let layout = try OCILayout(directory: layout, manifestDigest: manifestDigest)
        return try await build(layout, output: output, shape: shape, compression: compression)
    }

    /// Written to a new file beside `output` (O_EXCL, no symbolic link followed), flushed, then linked to `output`:
    /// an existing `output` is an error, never replaced.
    public static func build(
        _ layout: OCILayout, output: String, shape: OutputShape, compression: SquashfsCompression,
        progress: ConversionProgress? = nil
    ) async throws(ImageRepoError) -> ConversionStats {
        try await ConversionThread.run { (cancelled) throws(ImageRepoError) -> ConversionStats in
            let started = ContinuousClock.now
            let runtimeConfig = try runtimeConfigIfNeeded(layout, shape)
            let temporary = ConversionThread.temporaryPath(beside: output)
            defer { unlink(temporary) }
            let count: Int
            do {
                // Closed (its threads stopped, its file closed) before the link. A second attempt (a layer read
                // twice) starts from a new file.
                let flattener = LayerFlattener(
                    layers: layout.layers,
                    makeWriter: { () throws(ConversionError) in
                        unlink(temporary)
                        let writer = try SquashfsWriter(path: temporary, compression: compression)
                        return try BundleSink(output: writer, shape: shape, runtimeConfig: runtimeConfig)
                    },
                    isCancelled: { cancelled.isSet }, progress: progress)
                count = try flattener.run().count
            }
            try FileSystem.createWithoutReplacing(output, from: temporary)
            return ConversionThread.stats(layout, entries: count, skipped: 0, since: started)
        }
    }
}

/// Extracts an image of an OCI layout into a bundle directory (the flat driver), streaming the layers through
/// `LayerFlattener` into `DirectoryWriter`; what an unprivileged user cannot make is listed there.
public enum BundleDirectoryBuilder {
    /// Built in a new directory beside `output`, flushed, then renamed to `output`; removed on every failure.
    public static func build(
        _ layout: OCILayout, output: String, shape: OutputShape, progress: ConversionProgress? = nil
    ) async throws(ImageRepoError) -> ConversionStats {
        try await ConversionThread.run { (cancelled) throws(ImageRepoError) -> ConversionStats in
            let started = ContinuousClock.now
            let runtimeConfig = try runtimeConfigIfNeeded(layout, shape)
            let temporary = ConversionThread.temporaryPath(beside: output)
            guard mkdir(temporary, 0o700) == 0 else {
                throw ImageRepoError.errno("Cannot create the bundle directory \(temporary)")
            }
            var renamed = false
            defer { if !renamed { FileSystem.removeTree(temporary) } }
            let (count, skipped): (Int, Int)
            do {
                // A second attempt (a layer read twice) starts from a new, empty directory.
                var attempts = 0
                var last: DirectoryWriter?
                let flattener = LayerFlattener(
                    layers: layout.layers,
                    makeWriter: { () throws(ConversionError) in
                        attempts += 1
                        if attempts > 1 {
                            last = nil
                            FileSystem.removeTree(temporary)
                            guard mkdir(temporary, 0o700) == 0 else {
                                throw ImageRepoError.errno("Cannot create the bundle directory \(temporary)")
                            }
                        }
                        let writer = try DirectoryWriter(directory: temporary)
                        last = writer
                        return try BundleSink(output: writer, shape: shape, runtimeConfig: runtimeConfig)
                    },
                    isCancelled: { cancelled.isSet }, progress: progress)
                count = try flattener.run().count
                skipped = last?.skipped ?? 0
            }
            try FileSystem.renameFile(temporary, to: output)
            renamed = true
            FileSystem.syncDirectory((output as NSString).deletingLastPathComponent)
            return ConversionThread.stats(layout, entries: count, skipped: skipped, since: started)
        }
    }
}

private func runtimeConfigIfNeeded(_ layout: OCILayout, _ shape: OutputShape) throws(ImageRepoError) -> [UInt8] {
    guard shape.bundle != nil else { return [] }
    return try RuntimeConfig.json(imageConfig: layout.configBytes, image: layout.manifest.digest.prefixed)
}

/// Runs a conversion on a thread of its own (its reads and writes block, and must not hold the cooperative pool),
/// cancelled between entries when the task is.
enum ConversionThread {
    static func run<Result: Sendable>(
        _ body: @escaping @Sendable (CancellationFlag) throws(ImageRepoError) -> Result
    ) async throws(ImageRepoError) -> Result {
        let cancelled = CancellationFlag()
        let outcome = await withTaskCancellationHandler {
            await withCheckedContinuation {
                (continuation: CheckedContinuation<Swift.Result<Result, ImageRepoError>, Never>) in
                let thread = Thread {
                    continuation.resume(returning: Swift.Result { () throws(ImageRepoError) in try body(cancelled) })
                }
                thread.name = "pcocc-docker conversion"
                thread.start()
            }
        } onCancel: {
            cancelled.set()
        }
        return try outcome.get()
    }

    /// Same directory (same file system, so the final link or rename is atomic), hidden (pcocc's cache ignores dot
    /// names), unique per process and call.
    static func temporaryPath(beside output: String) -> String {
        let url = URL(fileURLWithPath: output)
        let directory = url.deletingLastPathComponent().path
        return "\(directory)/.\(url.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    }

    static func stats(
        _ layout: OCILayout, entries: Int, skipped: Int, since started: ContinuousClock.Instant
    ) -> ConversionStats {
        let elapsed = ContinuousClock.now - started
        return ConversionStats(
            layers: layout.layers.count, bytesIn: layout.layers.reduce(0) { $0 + $1.size }, entries: entries,
            skipped: skipped,
            seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }
}

/// Set from the cancellation handler, read by the flattener between entries.
final class CancellationFlag: Sendable {
    private let flag = Atomic<Bool>(false)

    func set() { flag.store(true, ordering: .relaxed) }
    var isSet: Bool { flag.load(ordering: .relaxed) }
}
