import Foundation
import Yams

/// One pcocc image repository directory (format version 2):
/// `.config` ({version: 2}), `data/<h[:2]>/<h>` (read-only data objects named by their sha256),
/// `meta/<name>@<revision>` (one JSON document per image revision), `.tmp/` (scratch on the same file system).
public final class Repository: Sendable, CustomStringConvertible {
    public let name: String
    public let path: String

    var dataDirectory: String { "\(path)/data" }
    var metaDirectory: String { "\(path)/meta" }
    var scratchDirectory: String { "\(path)/.tmp" }

    /// Opens the repository at `path`, creating it (as pcocc does) when only its parent exists.
    public init(name: String, path: String) throws(ImageRepoError) {
        self.name = name
        self.path = path
        if FileSystem.isDirectory(path) {
            try checkConfiguration()
        } else {
            try create()
        }
    }

    public var description: String { "repository \(name) (\(path))" }

    private func create() throws(ImageRepoError) {
        if FileSystem.exists(path) {
            throw ImageRepoError(.badRepository, "Repository path \(path) of repository \(name) is not a directory")
        }
        let parent = (path as NSString).deletingLastPathComponent
        guard FileSystem.isDirectory(parent) else {
            throw ImageRepoError(
                .badRepository,
                "Cannot create repository \(name): its parent directory \(parent) does not exist (create it, or point repos.yaml elsewhere)"
            )
        }
        for directory in [path, dataDirectory, metaDirectory, scratchDirectory] {
            try FileSystem.makeDirectory(directory)
        }
        // What yaml.safe_dump({'version': 2}) writes.
        try FileSystem.writeAtomically(
            Array("version: 2\n".utf8), to: "\(path)/.config", scratchDirectory: scratchDirectory)
    }

    private func checkConfiguration() throws(ImageRepoError) {
        let file = "\(path)/.config"
        let version: Any?
        do {
            let text = try String(contentsOfFile: file, encoding: .utf8)
            version = (try Yams.load(yaml: text) as? [String: Any])?["version"]
        } catch {
            throw ImageRepoError(
                .badRepository, "Bad repository config file \(file) of repository \(name)",
                underlying: ImageRepoCause("\(error)"))
        }
        let number = (version as? Int).map(Double.init) ?? (version as? Double)
        switch number {
        case 2: return
        case let old? where old < 2:
            throw ImageRepoError(
                .badRepository,
                "Repository \(name) (\(path)) has format version \(old); upgrade it with pcocc (e.g. 'pcocc image repo gc') first"
            )
        default:
            throw ImageRepoError(
                .badRepository, "Unsupported version \(String(describing: version)) in \(file) of repository \(name)")
        }
    }

    // MARK: - Paths

    /// `data/<h[:2]>/<h>` for a bare or `sha256:`-prefixed hash.
    public func dataObjectPath(_ blob: String) throws(ImageRepoError) -> String {
        dataObjectPath(try BlobDigest(blob))
    }

    public func dataObjectPath(_ digest: BlobDigest) -> String {
        "\(dataDirectory)/\(digest.hex.prefix(2))/\(digest.hex)"
    }

    func metaPath(name: String, revision: Int) -> String { "\(metaDirectory)/\(name)@\(revision)" }

    /// A scratch directory under .tmp/, where an OCI layout can be written and then moved in by rename.
    public func makeTemporaryDirectory() throws(ImageRepoError) -> TemporaryDirectory {
        try FileSystem.makeDirectory(scratchDirectory)
        return try TemporaryDirectory(in: scratchDirectory)
    }

    // MARK: - Reading

    /// `name@revision` pairs found in meta/ (files named otherwise are ignored).
    func metaEntries() throws(ImageRepoError) -> [(name: String, revision: Int)] {
        let files: [String]
        do {
            files = try FileManager.default.contentsOfDirectory(atPath: metaDirectory)
        } catch {
            throw ImageRepoError(
                .io, "Cannot list \(metaDirectory) of repository \(name)", underlying: ImageRepoCause("\(error)"))
        }
        return files.compactMap { file in
            guard let at = file.lastIndex(of: "@"), let revision = Int(file[file.index(after: at)...]) else {
                return nil
            }
            return (String(file[..<at]), revision)
        }
    }

    /// The revisions of `imageName`, ascending; empty when there is none.
    public func revisions(of imageName: String) throws(ImageRepoError) -> [Int] {
        try metaEntries().filter { $0.name == imageName }.map(\.revision).sorted()
    }

    public func contains(_ imageName: String) -> Bool {
        (try? revisions(of: imageName).isEmpty == false) ?? false
    }

    /// The image `imageName` at `revision`, or its highest revision.
    public func image(named imageName: String, revision: Int? = nil) throws(ImageRepoError) -> StoredImage {
        let available = try revisions(of: imageName)
        guard let chosen = revision ?? available.last, available.contains(chosen) else {
            let revisionText = revision.map { " revision \($0)" } ?? ""
            throw ImageRepoError(.notFound, "Object \(imageName)\(revisionText) not found in repository \(name)")
        }
        return try readImage(at: metaPath(name: imageName, revision: chosen))
    }

    /// Every revision of every image, sorted by name then revision.
    public func images() throws(ImageRepoError) -> [StoredImage] {
        var images: [StoredImage] = []
        for entry in try metaEntries().sorted(by: { ($0.name, $0.revision) < ($1.name, $1.revision) }) {
            images.append(try readImage(at: metaPath(name: entry.name, revision: entry.revision)))
        }
        return images
    }

    func readImage(at file: String) throws(ImageRepoError) -> StoredImage {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw FileSystem.failure("Unable to get metadata from \(file) in repository \(name)")
        }
        let document: PythonJSON.Value
        do throws(PythonJSONError) {
            document = try PythonJSON.parse(Array(data))
        } catch {
            throw ImageRepoError(.badMetadata, "Bad metadata in \(file) (repository \(name))", underlying: error)
        }
        return StoredImage(repository: self, metadata: try ImageMetadata(document: document, origin: file))
    }

    // MARK: - Verification

    /// Checks that a data object exists and hashes to its name.
    public func verify(blob: String) throws(ImageRepoError) {
        let digest = try BlobDigest(blob)
        let file = dataObjectPath(digest)
        guard FileSystem.exists(file) else {
            throw ImageRepoError(.missingObject, "Object \(digest.hex) not found in repository \(name)")
        }
        let actual = try BlobDigest.ofFile(file).digest
        guard actual == digest else {
            throw ImageRepoError(
                .digestMismatch,
                "Data object \(digest.hex) in repository \(name) is corrupt: its content hashes to \(actual.hex)")
        }
    }

    /// The content of a (small) data object, verified against its name: for manifests and configs.
    public func verifiedData(_ blob: String) throws(ImageRepoError) -> Data {
        let digest = try BlobDigest(blob)
        let file = dataObjectPath(digest)
        guard let data = FileManager.default.contents(atPath: file) else {
            throw ImageRepoError(.missingObject, "Object \(digest.hex) not found in repository \(name)")
        }
        let actual = BlobDigest(verifiedHex: HexDigest.sha256(data))
        guard actual == digest else {
            throw ImageRepoError(
                .digestMismatch,
                "Data object \(digest.hex) in repository \(name) is corrupt: its content hashes to \(actual.hex)")
        }
        return data
    }
}
