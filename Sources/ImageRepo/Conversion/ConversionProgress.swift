import Synchronization

/// How far one conversion is, for a progress bar on another thread: layers done (with their compressed bytes) and
/// entries read. The flattener adds to it between entries; reading it never blocks the conversion.
public final class ConversionProgress: Sendable {
    /// The image's layers and their compressed size.
    public let layers: Int
    public let bytes: Int64
    private let layersDoneCount = Atomic<Int>(0)
    private let bytesDoneCount = Atomic<Int64>(0)
    private let entriesCount = Atomic<Int>(0)
    private let finishedFlag = Atomic<Bool>(false)

    public init(layers: [OCILayout.Layer]) {
        self.layers = layers.count
        self.bytes = layers.reduce(0) { $0 + $1.size }
    }

    public var layersDone: Int { layersDoneCount.load(ordering: .relaxed) }
    public var bytesDone: Int64 { bytesDoneCount.load(ordering: .relaxed) }
    public var entries: Int { entriesCount.load(ordering: .relaxed) }
    /// Set once the conversion has ended, whether it succeeded or not.
    public var isFinished: Bool { finishedFlag.load(ordering: .relaxed) }

    func entryRead() { entriesCount.add(1, ordering: .relaxed) }

    func layerDone(size: Int64) {
        layersDoneCount.add(1, ordering: .relaxed)
        bytesDoneCount.add(size, ordering: .relaxed)
    }

    func finish() { finishedFlag.store(true, ordering: .relaxed) }
}

/// Told when an import's conversion starts (with the progress it will update) and ends; the CLI draws a bar.
public protocol ConversionMeter: Sendable {
    func started(_ progress: ConversionProgress)
    func finished(_ progress: ConversionProgress)
}
