/// One file system object of a layer or of the flattened output, without its content.
struct TarEntry: Sendable {
    enum Kind: Sendable, Equatable {
        case regular, hardLink, symbolicLink, characterDevice, blockDevice, directory, fifo

        var isDirectory: Bool { self == .directory }
    }

    /// Normalised: relative, no "." or empty components, no trailing slash; empty for the root directory.
    var path: [UInt8]
    var kind: Kind
    /// Permission bits with setuid, setgid and sticky (07777).
    var mode: UInt32
    var uid: Int
    var gid: Int
    /// Seconds since the epoch (squashfs keeps whole seconds).
    var mtime: Int
    /// Content bytes that follow the header (regular files; 0 otherwise).
    var size: Int
    /// A symbolic link's target as stored, or a hard link's target path normalised like `path`.
    var linkTarget: [UInt8]
    var deviceMajor: UInt32
    var deviceMinor: UInt32
    /// Extended attributes in archive order (SCHILY.xattr.*), values are raw bytes.
    var xattrs: [(name: String, value: [UInt8])]

    init(path: [UInt8], kind: Kind, mode: UInt32 = 0o644, uid: Int = 0, gid: Int = 0, mtime: Int = 0) {
        self.path = path
        self.kind = kind
        self.mode = mode
        self.uid = uid
        self.gid = gid
        self.mtime = mtime
        size = 0
        linkTarget = []
        deviceMajor = 0
        deviceMinor = 0
        xattrs = []
    }

    var pathDescription: String { "/" + String(decoding: path, as: UTF8.self) }
}

/// Archive paths to the one spelling the flattener compares ("./a//b/" and "/a/b" are "a/b").
enum TarPath {
    static let slash = UInt8(ascii: "/")
    static let dot = UInt8(ascii: ".")

    /// nil when the path climbs out of the root with "..", which no layer may do.
    static func normalise(_ raw: [UInt8]) -> [UInt8]? {
        var result: [UInt8] = []
        result.reserveCapacity(raw.count)
        for component in raw.split(separator: slash, omittingEmptySubsequences: true) {
            if component.count == 1 && component.first == dot { continue }
            if component.count == 2 && component.allSatisfy({ $0 == dot }) { return nil }
            if !result.isEmpty { result.append(slash) }
            result.append(contentsOf: component)
        }
        return result
    }

    static func components(_ path: [UInt8]) -> [ArraySlice<UInt8>] {
        path.split(separator: slash, omittingEmptySubsequences: true)
    }

    /// The directory part and the last component ("a/b/c" -> ("a/b", "c")).
    static func split(_ path: [UInt8]) -> (parent: [UInt8], name: ArraySlice<UInt8>) {
        guard let index = path.lastIndex(of: slash) else { return ([], path[...]) }
        return (Array(path[..<index]), path[(index + 1)...])
    }

    static func join(_ parent: [UInt8], _ name: some Collection<UInt8>) -> [UInt8] {
        parent.isEmpty ? Array(name) : parent + [slash] + name
    }
}
