import Foundation
import XCTest

@testable import ImageRepo

/// Tar layers written header by header (what no tar writer would produce included), flattened in memory: the unit
/// side of the rules the differential system test checks against a real daemon.
enum Craft {
    static let t0 = 1_700_000_000

    /// One header block; `raw` overwrites fields (offset -> bytes) before the checksum is computed.
    static func header(
        _ name: String, _ type: Character = "0", mode: Int = 0o644, uid: Int = 0, gid: Int = 0, size: Int = 0,
        mtime: Int = t0, link: String = "", major: Int = 0, minor: Int = 0, raw: [Int: [UInt8]] = [:]
    ) -> [UInt8] {
        var block = TarHeaderBlock.make(
            name: Array(name.utf8), typeflag: type.asciiValue ?? 0x30, mode: UInt32(mode), uid: uid, gid: gid,
            size: size,
            mtime: mtime, linkName: Array(link.utf8), deviceMajor: UInt32(major), deviceMinor: UInt32(minor))
        for (offset, bytes) in raw { block.replaceSubrange(offset..<(offset + bytes.count), with: bytes) }
        block.replaceSubrange(148..<156, with: Array("        ".utf8))
        let sum = block.reduce(0) { $0 + Int($1) }
        block.replaceSubrange(148..<156, with: Array((String(format: "%06o", sum) + "\0 ").utf8))
        return block
    }

    static func padded(_ data: [UInt8]) -> [UInt8] {
        data + [UInt8](repeating: 0, count: (512 - data.count % 512) % 512)
    }

    static func file(
        _ name: String, _ content: String = "", mode: Int = 0o644, uid: Int = 0, gid: Int = 0,
        mtime: Int = t0, raw: [Int: [UInt8]] = [:]
    ) -> [UInt8] {
        let data = Array(content.utf8)
        return header(name, mode: mode, uid: uid, gid: gid, size: data.count, mtime: mtime, raw: raw) + padded(data)
    }

    static func dir(_ name: String, mode: Int = 0o755, uid: Int = 0) -> [UInt8] {
        header(name, "5", mode: mode, uid: uid)
    }

    static func symlink(_ name: String, _ target: String) -> [UInt8] { header(name, "2", mode: 0o777, link: target) }

    static func hardLink(_ name: String, _ target: String, mode: Int = 0o644, uid: Int = 0) -> [UInt8] {
        header(name, "1", mode: mode, uid: uid, link: target)
    }

    static func whiteout(_ name: String) -> [UInt8] { header(name) }

    /// An extended header: "x", or "g" for a global one.
    static func pax(_ records: [(String, [UInt8])], type: Character = "x") -> [UInt8] {
        let data = records.flatMap { PAXRecords.record($0.0, $0.1) }
        return header("PaxHeaders/x", type, size: data.count) + padded(data)
    }

    static func pax(_ records: [(String, String)], type: Character = "x") -> [UInt8] {
        pax(records.map { ($0.0, Array($0.1.utf8)) }, type: type)
    }

    static func longName(_ name: String) -> [UInt8] {
        let data = Array(name.utf8) + [0]
        return header("././@LongLink", "L", size: data.count) + padded(data)
    }

    static let end = [UInt8](repeating: 0, count: 1024)

    /// Entries, end-of-archive marker included.
    static func layer(_ parts: [UInt8]...) -> [UInt8] { parts.flatMap { $0 } + end }
}

/// Records what the flattener writes, contents included.
final class RecordingSink: EntrySink {
    private(set) var entries: [String: (entry: TarEntry, content: [UInt8])] = [:]
    var count: Int { entries.count }

    func write(_ entry: TarEntry, contentFrom reader: TarReader?) throws(ConversionError) {
        var content: [UInt8] = []
        if entry.kind == .regular, entry.size > 0, let reader {
            try reader.forwardContent { (chunk) throws(ConversionError) in content += chunk }
        }
        entries[entry.pathDescription] = (entry, content)
    }

    func finish() throws(ConversionError) {}

    subscript(_ path: String) -> TarEntry? { entries[path]?.entry }

    func content(_ path: String) -> String? { entries[path].map { String(decoding: $0.content, as: UTF8.self) } }
}

extension XCTestCase {
    /// Flattens `layers` (bottom first): the sink of the last attempt, or the conversion's error.
    func flatten(
        _ layers: [[UInt8]], limits: ConversionLimits = ConversionLimits()
    ) throws
        -> Result<RecordingSink, ConversionError>
    {
        let directory = NSTemporaryDirectory() + "pcocc-craft-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var inputs: [OCILayout.Layer] = []
        for (index, bytes) in layers.enumerated() {
            let path = "\(directory)/layer\(index)"
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            inputs.append(try LayerFileConversion.layer(index, path: path, size: Int64(bytes.count)))
        }
        var sink = RecordingSink()
        let flattener = LayerFlattener(
            layers: inputs, limits: limits,
            makeWriter: { () throws(ConversionError) in
                sink = RecordingSink()
                return sink
            }, isCancelled: { false })
        return Result { () throws(ConversionError) in
            _ = try flattener.run()
            return sink
        }
    }

    /// The tree of `layers`, bottom first; fails the test when the conversion refuses them.
    func flattened(_ layers: [UInt8]..., file: StaticString = #filePath, line: UInt = #line) throws -> RecordingSink {
        switch try flatten(layers) {
        case .success(let sink): return sink
        case .failure(let error):
            XCTFail("refused: \(error)", file: file, line: line)
            throw error
        }
    }

    /// The conversion's refusal of `layers`; fails the test when it converts them.
    func refusal(_ layers: [UInt8]..., file: StaticString = #filePath, line: UInt = #line) throws -> String {
        if case .failure(let error) = try flatten(layers) { return error.message }
        XCTFail("converted, but docker refuses this", file: file, line: line)
        return ""
    }
}
