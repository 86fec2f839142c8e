import ChildProcess
import Foundation

/// The decompressed tar stream of one layer: the file itself, or the output of `pigz -dc` / `zstd -dc` reading it.
final class LayerStream {
    let reader: ByteReader
    private let child: PipedChild?
    private var fileFD: Int32

    init(_ layer: OCILayout.Layer) throws(ConversionError) {
        let name = "layer \(layer.digest)"
        switch layer.compression {
        case .none:
            fileFD = open(layer.path, O_RDONLY | O_CLOEXEC)
            guard fileFD >= 0 else { throw ConversionError.errno("cannot open \(name) (\(layer.path))") }
            child = nil
        case .gzip:
            // pigz decompresses in one thread but reads, writes and checks in others: ~1.6x gzip's speed.
            let tool = ChildProcess.which("pigz") != nil ? "pigz" : "gzip"
            child = try PipedChild(tool, ["-dc", "--", layer.path])
            fileFD = -1
        case .zstd:
            child = try PipedChild("zstd", ["-dcq", "--", layer.path])
            fileFD = -1
        }
        reader = ByteReader(fd: child?.fd ?? fileFD, name: name)
    }

    deinit { stop() }

    /// Reads past the end-of-archive marker (tar writers pad to a record size) and checks the decompressor's status.
    func finish() throws(ConversionError) {
        try reader.drain()
        try child?.finish()
        closeFile()
    }

    /// A stream cut short is most often a damaged compressed blob: the decompressor's own error says so better.
    func explain(_ original: ConversionError) -> ConversionError {
        guard reader.reachedEnd, let child else { return original }
        do throws(ConversionError) {
            try child.finish()
        } catch {
            return error
        }
        return original
    }

    /// Ends the decompressor early; for a second pass that stops at its last wanted entry, and for error paths.
    func stop() {
        child?.stop()
        closeFile()
    }

    private func closeFile() {
        if fileFD >= 0 { close(fileFD) }
        fileFD = -1
    }
}
