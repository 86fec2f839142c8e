internal import CSquashfsWriter

/// What pcocc runs an image from, as the cache entry made at import: pcocc's `runtime.image_driver` and
/// `runtime.image_mountpoints` (containers.yaml), and pcocc-docker's choice of squashfs compression.
/// The default is pcocc's: the flat driver, no extra mount point, nothing compressed.
public struct CacheEntryFormat: Sendable, Equatable {
    public enum Driver: String, Sendable, CaseIterable {
        /// An extracted bundle directory (cache kind `cached_bundle`), pcocc's default.
        case flat
        /// A squashfs file holding the bundle (cache kind `cached_squashfs`), mounted with squashfuse by pcocc.
        case squashfs

        /// The cache kind pcocc looks up for this driver.
        public var cacheKind: ImageCache.Kind { self == .flat ? .bundle : .squashfs }
    }

    public var driver: Driver
    /// Paths created in rootfs/ when the image lacks them (a name ending in "/" is a directory, else an empty file),
    /// beside /etc/resolv.conf, /etc/group and /etc/passwd, which are always created: the runtime mounts over them.
    public var mountPoints: [String]
    /// Only for the squashfs driver.
    public var compression: SquashfsCompression

    public init(driver: Driver = .flat, mountPoints: [String] = [], compression: SquashfsCompression = .stored) {
        self.driver = driver
        self.mountPoints = mountPoints
        self.compression = compression
    }

    /// The mount points pcocc always adds to `runtime.image_mountpoints`.
    public static let runtimeFiles = ["/etc/resolv.conf", "/etc/group", "/etc/passwd"]
}

/// How a squashfs's blocks are stored.
public enum SquashfsCompression: Sendable, Equatable, CustomStringConvertible {
    /// Nothing compressed, gzip named in the super block: pcocc's `mksquashfs -noI -noD -noF -noX`, the fastest to
    /// write and what every squashfuse reads.
    case stored
    /// A level of nil is gzip's default, 9.
    case gzip(level: Int?)
    /// A level of nil is 3: levels 9 to 15 cost about 3 times the time for 2-9% less space (bench/convert).
    case zstd(level: Int?)

    public var description: String {
        switch self {
        case .stored: return "none"
        case .gzip(let level): return "gzip" + (level.map { ":\($0)" } ?? "")
        case .zstd(let level): return "zstd" + (level.map { ":\($0)" } ?? "")
        }
    }

    /// The C writer's compression kind and level (0: its default).
    var writerSettings: (kind: Int32, level: UInt32) {
        switch self {
        case .stored: return (Int32(PCOCC_SQFS_STORED), 0)
        case .gzip(let level): return (Int32(PCOCC_SQFS_GZIP), UInt32(level ?? 0))
        case .zstd(let level): return (Int32(PCOCC_SQFS_ZSTD), UInt32(level ?? 3))
        }
    }
}
