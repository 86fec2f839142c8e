/// The conversion's errors are the module's one error type; the name stays for the reading side's code.
public typealias ConversionError = ImageRepoError

/// What one conversion did, for progress lines and benchmarks.
public struct ConversionStats: Sendable, Equatable {
    /// Layers read.
    public var layers: Int
    /// Bytes of layer blobs read, as stored (compressed).
    public var bytesIn: Int64
    /// Entries written (the root, the bundle's config.json and added mount points included).
    public var entries: Int
    /// Entries of the image that an unprivileged extraction could not make (flat driver: device nodes).
    public var skipped: Int
    /// Wall-clock seconds, from opening the layout to the renamed output.
    public var seconds: Double

    public init(layers: Int = 0, bytesIn: Int64 = 0, entries: Int = 0, skipped: Int = 0, seconds: Double = 0) {
        self.layers = layers
        self.bytesIn = bytesIn
        self.entries = entries
        self.skipped = skipped
        self.seconds = seconds
    }
}
