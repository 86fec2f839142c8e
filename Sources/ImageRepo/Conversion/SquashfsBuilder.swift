import Foundation
import Synchronization

/// Turns an image of an OCI layout into the squashfs pcocc runs it from: its flattened root file system, zstd level 3.
///
/// The layers stream, top layer first, through `LayerFlattener` into `SquashfsWriter` (libsquashfs); no root file
/// system is written to disk. Ownership, modes (setuid, setgid, sticky), device nodes, fifos, xattrs (capabilities
/// included) and hard links are kept, as root or not: the image is built from the entries, no file is ever created.
public enum SquashfsBuilder {
    /// zstd level 3: levels 9 to 15 cost about 3 times the time for 2-9% less space.
    public static let zstdLevel = 3

    /// Writes the squashfs of `manifestDigest` (or of the only manifest in `layout/index.json`) to a temporary file
    /// beside `output`, then renames it to `output`. Throws `ConversionError`.
    public static func build(layout: String, manifestDigest: String?, output: String) async throws -> ConversionStats {
        let cancelled = CancellationFlag()
        let result = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Result<ConversionStats, ConversionError>, Never>) in
                // Reads and writes block: they run on their own thread, not on the cooperative pool.
                let thread = Thread {
                    continuation.resume(
                        returning: Result { () throws(ConversionError) in
                            try convert(layout: layout, manifestDigest: manifestDigest, output: output, cancelled: cancelled)
                        })
                }
                thread.name = "pcocc-docker squashfs"
                thread.start()
            }
        } onCancel: {
            cancelled.set()
        }
        return try result.get()
    }

    private static func convert(layout: String, manifestDigest: String?, output: String, cancelled: CancellationFlag)
        throws(ConversionError) -> ConversionStats
    {
        let started = ContinuousClock.now
        let input = try ConversionInput(layout: layout, manifestDigest: manifestDigest)
        let temporary = temporaryPath(beside: output)
        var renamed = false
        defer { if !renamed { unlink(temporary) } }
        let count: Int
        do {
            // Closed (its threads stopped, its file closed) before the rename.
            let flattener = LayerFlattener(
                layers: input.layers,
                makeWriter: { () throws(ConversionError) in try SquashfsWriter(path: temporary, zstdLevel: zstdLevel) },
                isCancelled: { cancelled.isSet })
            count = try flattener.run().count
        }
        try sync(temporary)
        guard rename(temporary, output) == 0 else { throw ConversionError.errno("cannot rename \(temporary) to \(output)") }
        renamed = true
        try sync((output as NSString).deletingLastPathComponent)
        let elapsed = ContinuousClock.now - started
        return ConversionStats(
            layers: input.layers.count, bytesIn: input.layers.reduce(0) { $0 + $1.size }, entries: count,
            seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }

    /// Same directory (same file system, so the rename is atomic), hidden, unique per process and call.
    static func temporaryPath(beside output: String) -> String {
        let url = URL(fileURLWithPath: output)
        let directory = url.deletingLastPathComponent().path
        return "\(directory)/.\(url.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    }

    /// So that a crash never leaves a renamed but empty squashfs.
    private static func sync(_ path: String) throws(ConversionError) {
        let fd = open(path.isEmpty ? "." : path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ConversionError.errno("cannot open \(path) to sync it") }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw ConversionError.errno("cannot sync \(path)") }
    }
}

/// Set from the cancellation handler, read by the flattener between entries.
final class CancellationFlag: Sendable {
    private let flag = Atomic<Bool>(false)

    func set() { flag.store(true, ordering: .relaxed) }
    var isSet: Bool { flag.load(ordering: .relaxed) }
}
