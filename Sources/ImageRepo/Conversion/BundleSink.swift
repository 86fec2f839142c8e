/// What a conversion writes around the flattened root file system.
public struct OutputShape: Sendable, Equatable {
    /// pcocc's bundle: config.json and rootfs/ at the top, the mount points created in rootfs/. nil: the root file
    /// system alone at the top, as the layers make it (the differential tests compare that with docker's).
    public var bundle: Bundle?
    /// Every owner made root, as pcocc's `mksquashfs -all-root` (pcocc runs the bundle rootless); false keeps the
    /// layers' owners.
    public var squashOwners: Bool

    public struct Bundle: Sendable, Equatable {
        /// `runtime.image_mountpoints`; `CacheEntryFormat.runtimeFiles` are added to them.
        public var mountPoints: [String]

        public init(mountPoints: [String] = []) { self.mountPoints = mountPoints }
    }

    public init(bundle: Bundle?, squashOwners: Bool) {
        self.bundle = bundle
        self.squashOwners = squashOwners
    }

    /// The cache entry pcocc runs from.
    public static func pcoccBundle(mountPoints: [String] = []) -> OutputShape {
        OutputShape(bundle: Bundle(mountPoints: mountPoints), squashOwners: true)
    }

    /// The root file system exactly as the layers make it, owners included.
    public static let rootFileSystem = OutputShape(bundle: nil, squashOwners: false)
}

/// Puts the flattener's entries where the output shape wants them: under rootfs/ of a bundle whose config.json comes
/// first and whose mount points are created last (when the image lacks them), owners squashed to root if asked.
/// Mount points are settled from what was written: a path present in any form is left alone, and one under a
/// non-directory (an /etc that is a symbolic link) is skipped, as pcocc's own creation fails there and goes on.
final class BundleSink: EntrySink {
    private let output: any ContentSink
    private let shape: OutputShape
    private let prefix: [UInt8]
    /// The mount points (normalised, relative to rootfs/) and whether each ends in "/".
    private let mountPoints: [(path: [UInt8], isDirectory: Bool)]
    /// What the output has at the mount points and at their ancestors, as far as the entries told.
    private var present: [[UInt8]: Bool] = [:]
    /// The mount points and their ancestors (a handful of paths).
    private let watched: [[UInt8]]

    var count: Int { output.count }

    init(output: any ContentSink, shape: OutputShape, runtimeConfig: [UInt8]) throws(ConversionError) {
        self.output = output
        self.shape = shape
        var mountPoints: [(path: [UInt8], isDirectory: Bool)] = []
        if let bundle = shape.bundle {
            prefix = Array("rootfs".utf8)
            for raw in Set(bundle.mountPoints + CacheEntryFormat.runtimeFiles).sorted() {
                let cleaned = TarPath.clean(Array(raw.utf8))
                let path = cleaned.path
                guard !cleaned.climbsOut, !path.isEmpty else {
                    throw ConversionError(
                        .badConfiguration, "Mount point '\(raw)' is not a path inside the image (image_mountpoints)")
                }
                mountPoints.append((path, raw.hasSuffix("/")))
            }
        } else {
            prefix = []
        }
        self.mountPoints = mountPoints
        var watched = Set<[UInt8]>()
        for mountPoint in mountPoints {
            var path = mountPoint.path
            while !path.isEmpty {
                watched.insert(path)
                path = TarPath.split(path).parent
            }
        }
        self.watched = watched.sorted { $0.lexicographicallyPrecedes($1) }
        if shape.bundle != nil {
            var config = TarEntry(path: Array("config.json".utf8), kind: .regular, mode: 0o644)
            config.size = runtimeConfig.count
            try output.write(config, content: runtimeConfig)
        }
    }

    func write(_ entry: TarEntry, contentFrom reader: TarReader?) throws(ConversionError) {
        if !watched.isEmpty { note(entry) }
        var placed = entry
        placed.path = placed.path.isEmpty ? prefix : TarPath.join(prefix, entry.path)
        if entry.kind == .hardLink { placed.linkTarget = TarPath.join(prefix, entry.linkTarget) }
        if shape.squashOwners {
            placed.uid = 0
            placed.gid = 0
        }
        try output.write(placed, contentFrom: reader)
    }

    func finish() throws(ConversionError) {
        for mountPoint in mountPoints { try create(mountPoint.path, isDirectory: mountPoint.isDirectory) }
        try output.finish()
    }

    /// Records what `entry` says about the watched paths: itself, and its ancestors, which are directories.
    /// Compares with each watched path rather than building and hashing every ancestor of every entry (which cost
    /// 3% of a conversion).
    private func note(_ entry: TarEntry) {
        let path = entry.path
        for watchedPath in watched where path.count >= watchedPath.count && path.starts(with: watchedPath) {
            if path.count == watchedPath.count {
                present[watchedPath] = entry.kind.isDirectory
            } else if path[watchedPath.count] == TarPath.slash {
                present[watchedPath] = true
            }
        }
    }

    /// Creates a missing mount point and its missing parents, as root-owned, mode 0755 directories and 0644 files.
    private func create(_ path: [UInt8], isDirectory: Bool) throws(ConversionError) {
        let components = TarPath.components(path)
        var current: [UInt8] = []
        for (position, component) in components.enumerated() {
            current = TarPath.join(current, component)
            let last = position == components.count - 1
            switch present[current] {
            case true?: continue
            case false?: return  // a file or a link where a directory is needed, or the mount point itself
            case nil:
                let directory = !last || isDirectory
                var entry = TarEntry(
                    path: current, kind: directory ? .directory : .regular, mode: directory ? 0o755 : 0o644)
                entry.path = TarPath.join(prefix, current)
                try output.write(entry, contentFrom: nil)
                present[current] = directory
            }
        }
    }
}
