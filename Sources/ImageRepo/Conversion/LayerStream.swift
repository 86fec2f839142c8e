import Foundation

/// The tar stream of one layer blob, decompressed (gzip, zstd) on a thread of its own a few chunks ahead of the
/// flattener: the two run side by side, and the bytes never cross a pipe.
final class LayerStream {
    let reader: ByteReader
    private let source: LayerBlobSource

    init(_ layer: OCILayout.Layer) throws(ConversionError) {
        source = try LayerBlobSource(layer)
        reader = ByteReader(source, name: source.name)
    }

    /// Reads past the end-of-archive marker (tar writers pad to a record size) to the end of the compressed
    /// stream, whose checks (gzip's CRC and length) come last.
    func finish() throws(ConversionError) {
        try reader.drain()
        source.stop()
    }

    /// Stops the reading thread; for a second pass that stops at its last wanted entry, and for error paths.
    func stop() {
        source.stop()
    }
}
