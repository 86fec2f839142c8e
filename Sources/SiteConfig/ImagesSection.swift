/// The `images` section: how import, edit and build write the cache entry pcocc runs images from (its kind and mount
/// points are pcocc's own `runtime.image_driver` and `runtime.image_mountpoints`).
public struct ImagesSection: Sendable, Equatable {
    /// How the squashfs cache entry's blocks are stored (image_driver: squashfs).
    public var squashfsCompression: SquashfsCompressionSetting

    public init(squashfsCompression: SquashfsCompressionSetting) {
        self.squashfsCompression = squashfsCompression
    }
}

/// `none` (pcocc's own: nothing compressed, readable by every squashfuse), `gzip[:1-9]` or `zstd[:1-22]`.
public struct SquashfsCompressionSetting: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, Equatable {
        case none, gzip, zstd
    }

    public var kind: Kind
    /// nil: the compressor's default (gzip 9, zstd 3).
    public var level: Int?

    public init(kind: Kind, level: Int? = nil) {
        self.kind = kind
        self.level = level
    }

    /// nil when `text` is none of the accepted forms.
    public init?(parsing text: String) {
        let parts = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        guard let kind = Kind(rawValue: parts[0]) else { return nil }
        var level: Int?
        if parts.count == 2 {
            guard let value = Int(parts[1]) else { return nil }
            level = value
        }
        switch kind {
        case .none where level != nil: return nil
        case .gzip where !(1...9).contains(level ?? 9): return nil
        case .zstd where !(1...22).contains(level ?? 3): return nil
        default: break
        }
        self.init(kind: kind, level: level)
    }

    public static let accepted = "none, gzip[:1-9] or zstd[:1-22]"

    public var description: String { kind.rawValue + (level.map { ":\($0)" } ?? "") }
}
