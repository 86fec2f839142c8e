/// One entry of a layer as Go's archive/tar hands it to docker: its special headers (PAX, GNU long names, sparse maps)
/// merged in, nothing interpreted yet.
struct LayerEntry: Sendable {
    enum Kind: Sendable, Equatable {
        case regular, hardLink, symbolicLink, characterDevice, blockDevice, directory, fifo
        /// A PAX global header: docker skips it (and its records apply to nothing).
        case globalHeader
        /// A type docker does not create ('7', 'S', 'V', ...): it refuses one unless the name makes it a whiteout.
        case other(UInt8)
    }

    /// As the archive spells it, not cleaned.
    var name: [UInt8]
    var kind: Kind
    var linkName: [UInt8] = []
    /// The mode field as Go parses it; docker keeps its 07777 bits.
    var mode: Int64 = 0
    /// As Go parses them (a PAX id is any int64); docker's lchown keeps the low 32 bits, and 0xFFFFFFFF changes nothing.
    var uid: Int64 = 0
    var gid: Int64 = 0
    /// The seconds docker sets (0 for a time before the epoch or beyond what Go's Chtimes takes).
    var mtime: Int64 = 0
    /// Content bytes (a sparse file's logical size).
    var size: Int64 = 0
    var deviceMajor: Int64 = 0
    var deviceMinor: Int64 = 0
    /// SCHILY.xattr.* records with a value, in name order.
    var xattrs: [(name: [UInt8], value: [UInt8])] = []

    var nameDescription: String { Self.describe(name) }

    /// A name for an error message: at most 160 bytes of it.
    static func describe(_ name: [UInt8]) -> String {
        name.count <= 160
            ? String(decoding: name, as: UTF8.self) : String(decoding: name.prefix(160), as: UTF8.self) + "..."
    }
}

/// One file system object of the flattened output, without its content.
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
    /// Extended attributes, values as raw bytes.
    var xattrs: [(name: [UInt8], value: [UInt8])]

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

/// Archive paths as docker resolves them: Go's filepath.Clean, then joined to the root of the layer, so that ".."
/// never climbs out of it ("../../x" is "/x").
enum TarPath {
    static let slash = UInt8(ascii: "/")
    static let dot = UInt8(ascii: ".")

    struct Cleaned {
        /// Relative, no "." / ".." / empty components; empty for the root.
        var components: [ArraySlice<UInt8>]
        /// Go's Clean gave "." (a relative name that cancels out): docker skips such an entry whatever its type.
        var isDot: Bool
        /// Go's filepath.Clean itself: "/x" stays "/x", "../x" stays "../x", "" is ".".
        var goClean: [UInt8]
        /// A ".." went above the root (dropped there, as docker does; a mount point must not).
        var climbsOut: Bool

        var path: [UInt8] { Array(components.joined(separator: [TarPath.slash])) }
    }

    /// One pass over the name: "." and ".." resolved lexically, as Go's Clean does, then joined to the root.
    static func clean(_ raw: [UInt8]) -> Cleaned {
        var components: [ArraySlice<UInt8>] = []
        var leadingDotDots = 0
        for component in raw.split(separator: slash, omittingEmptySubsequences: true) {
            if component.count == 1 && component.first == dot { continue }
            if component.count == 2 && component.allSatisfy({ $0 == dot }) {
                if components.popLast() == nil { leadingDotDots += 1 }
                continue
            }
            components.append(component)
        }
        let goClean: [UInt8]
        if raw.first == slash {
            goClean = [slash] + components.joined(separator: [slash])
        } else {
            let all = Array(repeating: [dot, dot][...], count: leadingDotDots) + components
            goClean = all.isEmpty ? [dot] : Array(all.joined(separator: [slash]))
        }
        return Cleaned(
            components: components, isDot: goClean == [dot], goClean: goClean, climbsOut: leadingDotDots > 0)
    }

    /// The cleaned path of `raw` (the root for names that climb out of it).
    static func normalise(_ raw: [UInt8]) -> [UInt8] {
        clean(raw).path
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

/// Bytes as a dictionary key, hashed in one call (an array of bytes hashes byte by byte: a tenth of a conversion),
/// and made from a slice of a name without copying it.
struct ByteKey: Hashable {
    let bytes: ArraySlice<UInt8>

    init(_ bytes: [UInt8]) { self.bytes = bytes[...] }
    init(_ bytes: ArraySlice<UInt8>) { self.bytes = bytes }

    func hash(into hasher: inout Hasher) {
        bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
    }
}
