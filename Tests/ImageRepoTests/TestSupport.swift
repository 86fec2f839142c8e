import Crypto
import Foundation
import XCTest

@testable import ImageRepo

/// A scratch directory for one test, removed afterwards.
final class Scratch {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "imagerepo-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { FileSystem.removeTree(path) }
}

enum Tool {
    /// Runs a program to completion; returns its standard output, failing the test on a non-zero exit.
    @discardableResult
    static func run(_ executable: String, _ arguments: [String], input: String? = nil) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe()
        let errors = Pipe()
        let standardInput = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = standardInput
        try process.run()
        standardInput.fileHandleForWriting.write(Data((input ?? "").utf8))
        try standardInput.fileHandleForWriting.close()
        let outData = output.fileHandleForReading.readDataToEndOfFile()
        let errData = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ImageRepoCause(
                "\(executable) \(arguments) exited \(process.terminationStatus): \(String(decoding: errData, as: UTF8.self))"
            )
        }
        return String(decoding: outData, as: UTF8.self)
    }

    /// Runs a Python 3 script (the reference for what pcocc writes and hashes).
    static func python(_ script: String, _ arguments: [String] = [], input: String? = nil) throws -> String {
        let python =
            ["/usr/bin/python3", "/usr/local/bin/python3"].first(where: FileManager.default.isExecutableFile)
            ?? "/usr/bin/env"
        let prefix = python == "/usr/bin/env" ? ["python3"] : []
        return try run(python, prefix + ["-c", script] + arguments, input: input)
    }

    /// `data` gzipped (gzip -n: no name, no time, so the same bytes give the same blob).
    static func gzip(_ data: Data) throws -> Data {
        let file = NSTemporaryDirectory() + "imagerepo-gzip-" + UUID().uuidString
        try data.write(to: URL(fileURLWithPath: file))
        defer { try? FileManager.default.removeItem(atPath: file + ".gz") }
        try run("/bin/gzip", ["-n", "-f", file])
        return try Data(contentsOf: URL(fileURLWithPath: file + ".gz"))
    }

    static func which(_ name: String) -> String? {
        ["/usr/bin/\(name)", "/usr/local/bin/\(name)", "/bin/\(name)"].first(
            where: FileManager.default.isExecutableFile)
    }
}

func sha256Hex(_ data: Data) -> String {
    SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
}

func inode(_ path: String) -> UInt64? {
    var info = stat()
    return stat(path, &info) == 0 ? UInt64(info.st_ino) : nil
}

/// Writes a single-image OCI layout by hand, as skopeo does (compact JSON, ref name "latest").
struct HandMadeLayout {
    let directory: String
    let manifest: String
    let config: String
    let layers: [String]

    /// With `gzip`, the layers are stored gzipped (tar+gzip), as docker and skopeo usually give them.
    static func write(
        at directory: String, layers uncompressed: [Data], createdBy: String = "test", gzip: Bool = false
    ) throws
        -> HandMadeLayout
    {
        let layerContents = try uncompressed.map { gzip ? try Tool.gzip($0) : $0 }
        let mediaType = "application/vnd.oci.image.layer.v1.tar" + (gzip ? "+gzip" : "")
        let blobs = "\(directory)/blobs/sha256"
        try FileManager.default.createDirectory(atPath: blobs, withIntermediateDirectories: true)
        func put(_ data: Data) throws -> String {
            let hex = sha256Hex(data)
            try data.write(to: URL(fileURLWithPath: "\(blobs)/\(hex)"))
            return hex
        }
        let layers = try layerContents.map(put)
        let diffIDs = layers.map { "\"sha256:\($0)\"" }.joined(separator: ",")
        let configData = Data(
            #"{"architecture":"amd64","os":"linux","config":{"Cmd":["/bin/sh"]},"rootfs":{"type":"layers","diff_ids":[\#(diffIDs)]},"history":[{"created_by":"\#(createdBy)"}]}"#
                .utf8)
        let config = try put(configData)
        let layerDescriptors = zip(layers, layerContents).map { hex, data in
            #"{"mediaType":"\#(mediaType)","digest":"sha256:\#(hex)","size":\#(data.count)}"#
        }.joined(separator: ",")
        let manifestData = Data(
            #"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:\#(config)","size":\#(configData.count)},"layers":[\#(layerDescriptors)]}"#
                .utf8)
        let manifest = try put(manifestData)
        let index =
            #"{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:\#(manifest)","size":\#(manifestData.count),"annotations":{"org.opencontainers.image.ref.name":"latest"}}]}"#
        try Data(index.utf8).write(to: URL(fileURLWithPath: "\(directory)/index.json"))
        try Data(#"{"imageLayoutVersion": "1.0.0"}"#.utf8).write(to: URL(fileURLWithPath: "\(directory)/oci-layout"))
        return HandMadeLayout(directory: directory, manifest: manifest, config: config, layers: layers)
    }

    /// A real (uncompressed) tar holding one file, so the image is one skopeo can copy.
    static func tarLayer(fileName: String, content: String, scratch: String) throws -> Data {
        let root = "\(scratch)/tar-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        try Data(content.utf8).write(to: URL(fileURLWithPath: "\(root)/\(fileName)"))
        let archive = "\(root).tar"
        try Tool.run("/bin/tar", ["--numeric-owner", "--mtime=@0", "-cf", archive, "-C", root, fileName])
        return try Data(contentsOf: URL(fileURLWithPath: archive))
    }

    var dataBlobs: [String] {
        var seen = Set<String>()
        return ([manifest] + layers + [config]).filter { seen.insert($0).inserted }.map { "sha256:\($0)" }
    }
}
