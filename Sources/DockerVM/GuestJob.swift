import Foundation
import HostSystem

/// What the guest gets of the job once its dockerd answers (CONTRACTS.md, "Job disk"): the TLS files its terminator
/// serves with, the 9p shares to mount, the host's clock and random bytes for the kernel. None of it is in a saved
/// guest: the guest polls the job disk for this record, whether it booted or was restored.
public struct GuestJob: Sendable, Equatable {
    public struct File: Sendable, Equatable {
        /// ca.pem, cert.pem or key.pem: the guest writes nothing else.
        public var name: String
        public var contents: [UInt8]

        public init(name: String, contents: [UInt8]) {
            self.name = name
            self.contents = contents
        }
    }

    public var files: [File]
    public var shares: [VMSpec.SharedDirectory]

    public init(files: [File], shares: [VMSpec.SharedDirectory]) {
        self.files = files
        self.shares = shares
    }

    /// The server's files in the job directory, under the names the guest expects.
    public static func serverFiles(in directory: String) throws(VMError) -> [File] {
        try [("ca.pem", "ca.pem"), ("server-cert.pem", "cert.pem"), ("server-key.pem", "key.pem")].map {
            (source, name) throws(VMError) in
            guard let data = FileManager.default.contents(atPath: "\(directory)/\(source)") else {
                throw VMError(.certificatesMissing, "job certificate \(directory)/\(source) cannot be read")
            }
            return File(name: name, contents: Array(data))
        }
    }

    /// The record's body: `time=`, `entropy=`, `mount=` lines, then each file as `file NAME LENGTH` and its bytes.
    /// `time` is the host's CLOCK_REALTIME when the record is written.
    public func body(time: timespec, entropy: [UInt8]) -> [UInt8] {
        var lines = [String(format: "time=%lld.%09ld", Int64(time.tv_sec), Int(time.tv_nsec))]
        lines.append("entropy=" + entropy.lowercaseHex)
        lines += shares.map { "mount=\($0.tag):\($0.guestPath)" }
        var bytes = Array(lines.map { "\($0)\n" }.joined().utf8)
        for file in files {
            bytes += Array("file \(file.name) \(file.contents.count)\n".utf8) + file.contents + [UInt8(ascii: "\n")]
        }
        return bytes
    }
}
