import ChildProcess
import Foundation
import XCTest

@testable import DockerVM

final class JobDiskTests: XCTestCase {
    private var directory = ""

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "job-disk-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// The guest and scripts check records with POSIX cksum: ours must print what coreutils' does.
    func testChecksumIsWhatCksumPrints() async throws {
        for data in [[], Array("a".utf8), Array(0...255).map(UInt8.init), Array(repeating: UInt8(7), count: 70_000)] {
            let path = "\(directory)/data"
            FileManager.default.createFile(atPath: path, contents: Data(data))
            let printed = try await ChildProcess.checked("cksum", [path]).outputString
            XCTAssertEqual(printed.split(separator: " ").first.map(String.init), "\(PosixChecksum.checksum(data))")
        }
    }

    func testBodyHasClockEntropyMountsThenFiles() {
        let job = GuestJob(
            files: [.init(name: "ca.pem", contents: Array("CA\n".utf8)), .init(name: "key.pem", contents: [0, 1])],
            shares: [
                .init(tag: "pcoccfs0", hostPath: "/home/u"), .init(tag: "pcoccfs1", hostPath: "/s/u", guestPath: "/s"),
            ])
        let body = job.body(time: timespec(tv_sec: 1_764_435_000, tv_nsec: 5), entropy: [0xab, 0x01])
        XCTAssertEqual(
            body,
            Array(
                "time=1764435000.000000005\nentropy=ab01\nmount=pcoccfs0:/home/u\nmount=pcoccfs1:/s\nfile ca.pem 3\nCA\n\n"
                    .utf8) + Array("file key.pem 2\n".utf8) + [0, 1, UInt8(ascii: "\n")])
    }

    /// The header sector says the body's length and checksum; the body starts at the second sector; the rest of the
    /// disk stays zero.
    func testRecordIsHeaderSectorThenBody() throws {
        let disk = try JobDisk.create(at: "\(directory)/job.raw")
        let body = Array("time=1.0\nfile ca.pem 1\nx\n".utf8)
        try disk.write(body: body)
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: disk.path)))
        XCTAssertEqual(bytes.count, JobDisk.size)
        let header = "pcocc-job 1 \(body.count) \(PosixChecksum.checksum(body))\n"
        XCTAssertEqual(Array(bytes[0..<header.utf8.count]), Array(header.utf8))
        XCTAssertTrue(bytes[header.utf8.count..<512].allSatisfy { $0 == 0 })
        XCTAssertEqual(Array(bytes[512..<(512 + body.count)]), body)
        XCTAssertTrue(bytes[(512 + body.count)...].allSatisfy { $0 == 0 })
    }

    func testWrittenRecordCarriesTheHostClockAndFreshEntropy() throws {
        let disk = try JobDisk.create(at: "\(directory)/job.raw")
        let job = GuestJob(files: [], shares: [])
        func entropyLine() throws -> String {
            try disk.write(job)
            let text = String(
                decoding: try Data(contentsOf: URL(fileURLWithPath: disk.path))[512..<1024], as: UTF8.self)
            let lines = text.split(separator: "\n")
            let time = Double(lines[0].dropFirst("time=".count)) ?? 0
            XCTAssertEqual(time, Date().timeIntervalSince1970, accuracy: 5)
            return String(lines[1])
        }
        let first = try entropyLine()
        XCTAssertEqual(first.count, "entropy=".count + 128)
        XCTAssertNotEqual(first, try entropyLine())
    }

    func testOversizedRecordIsRefused() throws {
        let disk = try JobDisk.create(at: "\(directory)/job.raw")
        XCTAssertThrowsError(try disk.write(body: Array(repeating: 0, count: JobDisk.size)))
    }
}
