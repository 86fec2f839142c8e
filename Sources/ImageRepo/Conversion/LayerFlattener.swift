/// Streams the layers of an image, top layer first, into the tree a container of it shows under docker (overlay2),
/// written to a sink (the squashfs writer, or a tar) without extracting anything to disk.
///
/// Each layer is applied to a model of its own directory as docker applies it (`LayerModel`), and its entries are
/// judged against what the higher layers show (`VisibilityTree`, overlayfs's rules). A regular file is written as its
/// entry arrives, so its content streams through; directories, links and special files once the layer is complete,
/// with their final metadata. Should a later entry of the same layer change a file already written (a rare layer
/// that replaces a path or re-owns a file through a hard link header), the conversion starts again, that layer then
/// read twice: its entries first, its files second.
final class LayerFlattener {
    private let layers: [OCILayout.Layer]
    private let makeWriter: () throws(ConversionError) -> any EntrySink
    private let isCancelled: () -> Bool
    private let limits: ConversionLimits
    private let progress: LayerProgress

    /// `makeWriter` gives a new, empty output for each attempt (the previous one, abandoned, is released first).
    init(
        layers: [OCILayout.Layer], limits: ConversionLimits = ConversionLimits(),
        makeWriter: @escaping () throws(ConversionError) -> any EntrySink, isCancelled: @escaping () -> Bool,
        progress: ConversionProgress? = nil
    ) {
        self.layers = layers
        self.limits = limits
        self.makeWriter = makeWriter
        self.isCancelled = isCancelled
        self.progress = LayerProgress(progress)
    }

    /// Flattens every layer into a new sink, finished; returns it.
    func run() throws(ConversionError) -> any EntrySink {
        var readTwice: Set<Int> = []
        while true {
            let writer = try makeWriter()
            let pass = FlatteningPass(
                layers: layers, writer: writer, readTwice: readTwice, limits: limits, isCancelled: isCancelled,
                progress: progress)
            guard let layer = try pass.run() else { return writer }
            readTwice.insert(layer)
        }
    }
}

/// Reports each layer once, and its entries only until it is done, however many attempts read it.
private final class LayerProgress {
    private let progress: ConversionProgress?
    private var done: Set<Int> = []

    init(_ progress: ConversionProgress?) { self.progress = progress }

    func entryRead(layer: Int) {
        if !done.contains(layer) { progress?.entryRead() }
    }

    func layerDone(_ layer: Int, size: Int64) {
        if done.insert(layer).inserted { progress?.layerDone(size: size) }
    }
}

/// One attempt at the whole image.
private final class FlatteningPass {
    private let layers: [OCILayout.Layer]
    private let writer: any EntrySink
    private let readTwice: Set<Int>
    private let limits: ConversionLimits
    private let isCancelled: () -> Bool
    private let progress: LayerProgress
    private let tree = VisibilityTree()

    init(
        layers: [OCILayout.Layer], writer: any EntrySink, readTwice: Set<Int>, limits: ConversionLimits,
        isCancelled: @escaping () -> Bool, progress: LayerProgress
    ) {
        self.layers = layers
        self.writer = writer
        self.readTwice = readTwice
        self.limits = limits
        self.isCancelled = isCancelled
        self.progress = progress
    }

    /// nil when done; else the layer that changed a file already written, to be read twice next time.
    func run() throws(ConversionError) -> Int? {
        var next: LayerStream?
        for index in layers.indices.reversed() {
            let model = LayerModel(layerName: "layer \(layers[index].digest)")
            let stream: LayerStream
            if let next { stream = next } else { stream = try LayerStream(layers[index]) }
            // The layer below starts decompressing now, up to its 32 MiB ahead, so that it is under way when this
            // layer's ends: opened only after this layer's last entries, directories and links, the decompression
            // stood idle between layers (0.2 s of bench/convert's 2 s).
            next = index > 0 ? try LayerStream(layers[index - 1]) : nil
            guard try apply(index, from: stream, to: model) else { return index }
            var orphans: [Int: [LayerModel.Node]] = [:]
            try emit(model.root, layer: index, orphans: &orphans)
            if !orphans.isEmpty { try copyContents(of: index, orphans) }
            tree.merge(model, layer: index)
            progress.layerDone(index, size: layers[index].size)
        }
        try writer.finish()
        return nil
    }

    /// Reads the layer into its model, writing its visible regular files as they come (not when read twice);
    /// false when a later entry changed one of them.
    private func apply(_ index: Int, from stream: LayerStream, to model: LayerModel) throws(ConversionError) -> Bool {
        let reader = TarReader(stream.reader, limits: limits)
        let early = !readTwice.contains(index)
        while let entry = try reader.next() {
            guard !isCancelled() else { throw ConversionError(.cancelled, "the conversion was cancelled") }
            progress.entryRead(layer: index)
            let node = try model.apply(entry, ordinal: reader.ordinal)
            if model.changedWrittenFile {
                stream.stop()
                return false
            }
            guard let node, node.inode.kind == .regular, node.inode.contentOrdinal == reader.ordinal else {
                continue
            }
            if early && tree.verdict(for: node, layer: index) == .visible {
                try writer.write(Self.output(node.inode, at: node.path), contentFrom: reader)
                tree.recordEmitted(node.path, isDirectory: false)
                node.inode.written = node.inode.metadata
                node.inode.writtenAt = node
            } else {
                try reader.discardContent()
            }
        }
        try stream.finish()
        return true
    }

    /// Writes what the layer shows under `directory` except regular files' contents: those it has not written yet
    /// go to `orphans`, by the ordinal of the entry holding them.
    private func emit(
        _ directory: LayerModel.Node, layer: Int, orphans: inout [Int: [LayerModel.Node]]
    )
        throws(ConversionError)
    {
        var primaries: [ObjectIdentifier: [UInt8]] = [:]
        var stack = [directory]
        while let parent = stack.popLast() {
            // In the layer's order, so that the same image always gives the same squashfs (which link holds the
            // content, the order of the xattr table).
            for child in parent.ordered {
                let path = child.path
                let verdict = tree.verdict(for: child, layer: layer)
                let inode = child.inode
                switch inode.kind {
                case .directory:
                    if verdict == .visible {
                        var entry = Self.output(inode, at: path)
                        if child.implicit { entry = TarEntry(path: path, kind: .directory, mode: 0o755) }
                        try write(entry)
                    }
                    if verdict != .hidden { stack.append(child) }
                case .whiteout:
                    continue
                case .regular:
                    guard verdict == .visible, inode.writtenAt !== child else { continue }
                    if let primary = inode.writtenAt {
                        try writeLink(path, to: primary.path)
                    } else {
                        orphans[inode.contentOrdinal, default: []].append(child)
                    }
                default:
                    guard verdict == .visible else { continue }
                    if let primary = primaries[ObjectIdentifier(inode)] {
                        try writeLink(path, to: primary)
                    } else {
                        try write(Self.output(inode, at: path))
                        primaries[ObjectIdentifier(inode)] = path
                    }
                }
            }
        }
    }

    /// Second read of a layer: the contents of files written only now (hidden where their entry was, visible
    /// through a hard link; or every file of a layer read twice). The first path gets the content, the others link.
    private func copyContents(of index: Int, _ orphans: [Int: [LayerModel.Node]]) throws(ConversionError) {
        let stream = try LayerStream(layers[index])
        defer { stream.stop() }
        let reader = TarReader(stream.reader, limits: limits)
        var wanted = orphans
        while !wanted.isEmpty, try reader.next() != nil {
            guard !isCancelled() else { throw ConversionError(.cancelled, "the conversion was cancelled") }
            guard let nodes = wanted.removeValue(forKey: reader.ordinal), let first = nodes.first else { continue }
            let path = first.path
            try writer.write(Self.output(first.inode, at: path), contentFrom: reader)
            tree.recordEmitted(path, isDirectory: false)
            for node in nodes.dropFirst() { try writeLink(node.path, to: path) }
        }
        if !wanted.isEmpty {
            throw ConversionError(.malformedLayer, "layer \(layers[index].digest) changed between two reads")
        }
    }

    private func write(_ entry: TarEntry) throws(ConversionError) {
        try writer.write(entry, contentFrom: nil)
        tree.recordEmitted(entry.path, isDirectory: entry.kind.isDirectory)
    }

    private func writeLink(_ path: [UInt8], to primary: [UInt8]) throws(ConversionError) {
        var entry = TarEntry(path: path, kind: .hardLink)
        entry.linkTarget = primary
        try write(entry)
    }

    /// The output entry for an inode of a layer.
    static func output(_ inode: LayerModel.Inode, at path: [UInt8]) -> TarEntry {
        let kind: TarEntry.Kind =
            switch inode.kind {
            case .directory: .directory
            case .regular: .regular
            case .symbolicLink: .symbolicLink
            case .characterDevice, .whiteout: .characterDevice
            case .blockDevice: .blockDevice
            case .fifo: .fifo
            }
        var entry = TarEntry(
            path: path, kind: kind, mode: inode.mode, uid: Int(inode.uid), gid: Int(inode.gid), mtime: Int(inode.mtime))
        entry.size = kind == .regular ? Int(inode.size) : 0
        entry.linkTarget = inode.target
        entry.deviceMajor = inode.device.major
        entry.deviceMinor = inode.device.minor
        entry.xattrs = inode.xattrs.map { ($0.key, $0.value) }.sorted { $0.0.lexicographicallyPrecedes($1.0) }
        return entry
    }
}
