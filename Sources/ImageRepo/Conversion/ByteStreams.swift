import Foundation

/// Where a `ByteReader`'s bytes come from, a chunk at a time.
protocol ChunkSource: AnyObject {
    /// The next bytes, valid until the next call; empty at the end of the stream.
    func nextChunk() throws(ConversionError) -> UnsafeRawBufferPointer
}

/// The bytes of a stream, read as the tar reader wants them: copied for headers, lent for contents.
final class ByteReader {
    private let source: ChunkSource
    /// Names the stream in errors ("layer sha256:...").
    let name: String
    private var chunk = UnsafeRawBufferPointer(start: nil, count: 0)
    private var start = 0

    init(_ source: ChunkSource, name: String) {
        self.source = source
        self.name = name
    }

    /// Gets the next chunk once this one is used up; false at end of stream.
    private func fill() throws(ConversionError) -> Bool {
        if start < chunk.count { return true }
        chunk = try source.nextChunk()
        start = 0
        return !chunk.isEmpty
    }

    /// Up to `count` bytes: fewer only where the stream ends, nil when it ends before the first byte.
    func read(upTo count: Int) throws(ConversionError) -> [UInt8]? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(min(count, 1 << 20))
        var left = count
        while left > 0, try fill() {
            let piece = min(left, chunk.count - start)
            bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[start..<(start + piece)]))
            start += piece
            left -= piece
        }
        return bytes.isEmpty && count > 0 ? nil : bytes
    }

    /// Hands the next `count` bytes to `body` in chunks, without copying them first; the stream must hold them.
    func forward(
        _ count: Int64, to body: (UnsafeRawBufferPointer) throws(ConversionError) -> Void
    ) throws(ConversionError) {
        var left = count
        while left > 0 {
            guard try fill() else {
                throw ConversionError(.malformedLayer, "\(name) ends in the middle of a tar entry")
            }
            let piece = Int(min(left, Int64(chunk.count - start)))
            try body(UnsafeRawBufferPointer(rebasing: chunk[start..<(start + piece)]))
            start += piece
            left -= Int64(piece)
        }
    }

    func skip(_ count: Int64) throws(ConversionError) {
        try forward(count) { _ throws(ConversionError) in }
    }

    /// Reads what is left, so that a compressed stream is checked to its end (gzip's CRC, zstd's frame end).
    func drain() throws(ConversionError) {
        while try fill() { start = chunk.count }
    }
}
