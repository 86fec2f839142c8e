import CLayerDecompressor
import Foundation

/// A layer blob read and decompressed by CLayerDecompressor's thread; owns it (stopped and freed on `stop` or deinit).
final class LayerBlobSource: ChunkSource {
    private var layer: OpaquePointer?
    /// "layer sha256:...", for errors.
    let name: String

    init(_ layer: OCILayout.Layer) throws(ConversionError) {
        name = "layer \(layer.digest)"
        let format =
            switch layer.compression {
            case .none: PCOCC_LAYER_PLAIN
            case .gzip: PCOCC_LAYER_GZIP
            case .zstd: PCOCC_LAYER_ZSTD
            }
        var message = [CChar](repeating: 0, count: 256)
        guard let opened = pcocc_layer_open(layer.path, Int32(format), &message, message.count) else {
            let code = errno
            let text = message.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            throw ConversionError.errno("cannot read \(name) (\(text))", code)
        }
        self.layer = opened
    }

    deinit { stop() }

    func nextChunk() throws(ConversionError) -> UnsafeRawBufferPointer {
        guard let layer else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        var data: UnsafeRawPointer?
        let count = pcocc_layer_next(layer, &data)
        guard count >= 0 else {
            throw ConversionError(.damagedBlob, "\(name) \(String(cString: pcocc_layer_error(layer)))")
        }
        return UnsafeRawBufferPointer(start: data, count: count)
    }

    func stop() {
        pcocc_layer_close(layer)
        layer = nil
    }
}
