import Foundation

@testable import ImageRepo

/// Buffered reads from a file descriptor (tar files the tests write); it does not own the descriptor. The
/// conversion itself reads every layer through LayerBlobSource.
final class FileChunkSource: ChunkSource {
    private let fd: Int32
    private let name: String
    private let buffer: UnsafeMutableRawBufferPointer

    init(fd: Int32, name: String, capacity: Int = 1 << 20) {
        self.fd = fd
        self.name = name
        buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 16)
    }

    deinit { buffer.deallocate() }

    func nextChunk() throws(ConversionError) -> UnsafeRawBufferPointer {
        while true {
            let count = Foundation.read(fd, buffer.baseAddress, buffer.count)
            if count >= 0 { return UnsafeRawBufferPointer(rebasing: buffer[0..<count]) }
            if errno != EINTR { throw ConversionError.errno("cannot read \(name)") }
        }
    }
}

extension ByteReader {
    convenience init(fd: Int32, name: String) {
        self.init(FileChunkSource(fd: fd, name: name), name: name)
    }
}
