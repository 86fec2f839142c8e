import Foundation
import HostSystem

/// The guest's vdc: a raw file of `size` bytes the host writes the job's record into, and the guest polls with
/// O_DIRECT. Record: the header `pcocc-job 1 <body length> <POSIX cksum of the body>\n` in the first 512-byte
/// sector, the body from the second. The body goes first and the header last, and the guest takes a record only
/// when the checksum matches, so it never acts on half a record.
struct JobDisk: Sendable {
    static let size = 1 << 20
    static let headerSize = 512
    let path: String

    /// The disk, empty (a guest saved while waiting on it sees zeros).
    static func create(at path: String) throws(VMError) -> JobDisk {
        guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]),
            truncate(path, off_t(size)) == 0
        else {
            throw VMError(.fileSystem, SystemError("create the job disk", path).description)
        }
        return JobDisk(path: path)
    }

    static func header(for body: [UInt8]) -> [UInt8] {
        Array("pcocc-job 1 \(body.count) \(PosixChecksum.checksum(body))\n".utf8)
    }

    /// Writes `job` with the clock read and the random bytes drawn now.
    func write(_ job: GuestJob) throws(VMError) {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var random = SystemRandomNumberGenerator()
        let entropy = (0..<64).map { _ in UInt8.random(in: 0...255, using: &random) }
        try write(body: job.body(time: now, entropy: entropy))
    }

    func write(body: [UInt8]) throws(VMError) {
        guard body.count <= Self.size - Self.headerSize else {
            throw VMError(.invalidSetting, "the job's record (\(body.count) bytes) does not fit its disk")
        }
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw VMError(.fileSystem, SystemError("open the job disk", path).description) }
        defer { close(fd) }
        let header = Self.header(for: body)
        guard Self.writeAll(fd, body, at: off_t(Self.headerSize)), Self.writeAll(fd, header, at: 0) else {
            throw VMError(.fileSystem, SystemError("write the job disk", path).description)
        }
    }

    private static func writeAll(_ fd: Int32, _ bytes: [UInt8], at offset: off_t) -> Bool {
        bytes.withUnsafeBytes { buffer in
            var done = 0
            while done < buffer.count {
                let n = pwrite(fd, buffer.baseAddress! + done, buffer.count - done, offset + off_t(done))
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { return false }
                done += n
            }
            return true
        }
    }
}

/// POSIX `cksum` (CRC-32 with polynomial 0x04C11DB7 over the data, then its length): what the guest init checks
/// and what a script can compute with `cksum`.
enum PosixChecksum {
    static func checksum(_ data: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0
        func feed(_ byte: UInt8) {
            crc ^= UInt32(byte) << 24
            for _ in 0..<8 { crc = crc & 0x8000_0000 != 0 ? (crc << 1) ^ 0x04C1_1DB7 : crc << 1 }
        }
        for byte in data { feed(byte) }
        var length = data.count
        while length > 0 {
            feed(UInt8(length & 0xff))
            length >>= 8
        }
        return ~crc
    }
}
