import Foundation

/// Buffered reads from a file descriptor (a layer file or a decompressor's pipe); it does not own the descriptor.
final class ByteReader {
    private let fd: Int32
    /// Names the stream in errors ("layer sha256:...").
    let name: String
    private let buffer: UnsafeMutableRawBufferPointer
    private var start = 0
    private var end = 0
    /// The descriptor said end of file: a decompressor that stops early is the likely cause of a cut entry.
    private(set) var reachedEnd = false

    init(fd: Int32, name: String, capacity: Int = 1 << 20) {
        self.fd = fd
        self.name = name
        buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 16)
    }

    deinit { buffer.deallocate() }

    /// Refills an empty buffer; false at end of stream.
    private func fill() throws(ConversionError) -> Bool {
        if start < end { return true }
        start = 0
        end = 0
        while true {
            let count = Foundation.read(fd, buffer.baseAddress, buffer.count)
            if count > 0 {
                end = count
                return true
            }
            if count == 0 {
                reachedEnd = true
                return false
            }
            if errno != EINTR { throw ConversionError.errno("cannot read \(name)") }
        }
    }

    /// Up to `count` bytes: fewer only where the stream ends, nil when it ends before the first byte.
    func read(upTo count: Int) throws(ConversionError) -> [UInt8]? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(min(count, buffer.count))
        var left = count
        while left > 0, try fill() {
            let chunk = min(left, end - start)
            bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[start..<(start + chunk)]))
            start += chunk
            left -= chunk
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
            let chunk = Int(min(left, Int64(end - start)))
            try body(UnsafeRawBufferPointer(rebasing: buffer[start..<(start + chunk)]))
            start += chunk
            left -= Int64(chunk)
        }
    }

    func skip(_ count: Int64) throws(ConversionError) {
        try forward(count) { _ throws(ConversionError) in }
    }

    /// Reads and drops what is left, so that a decompressor is not killed by a closed pipe.
    func drain() throws(ConversionError) {
        while try fill() { start = end }
    }
}
