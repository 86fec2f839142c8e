/// Streams the layers of an image, top layer first, into the final tree (the squashfs writer, or a tar), deciding each
/// entry on the spot: a lower entry is dropped when a higher layer shadowed it, whited it out, made its directory
/// opaque or replaced an ancestor by a non-directory. Each path is written once (the writers refuse duplicates); a directory takes the metadata
/// of the highest layer that has it. Nothing is extracted to disk.
final class LayerFlattener {
    private let layers: [OCILayout.Layer]
    private let writer: any EntrySink
    private let isCancelled: () -> Bool
    private let progress: ConversionProgress?
    private let tree = VisibilityTree()
    private let links = HardLinkBook()
    /// The layer being read and what it has had so far.
    private var pass = LayerPass()

    /// Non-directory entries of the current layer, for hard links to them later in the same layer.
    private struct LayerPass {
        struct Record {
            let ordinal: Int
            let entry: TarEntry
            var emitted: Bool
            /// Where a hard link from a higher layer materialised this entry's content.
            var materialisedAs: [UInt8]?
        }
        var layer = 0
        var records: [[UInt8]: Record] = [:]
        /// Links whose target this layer has but does not keep, by the target's ordinal: a second pass copies it.
        var orphans: [Int: [TarEntry]] = [:]
    }

    private static let whiteoutPrefix = Array(".wh.".utf8)
    private static let opaqueMarker = Array(".wh..wh..opq".utf8)

    init(
        layers: [OCILayout.Layer], writer: any EntrySink, isCancelled: @escaping () -> Bool,
        progress: ConversionProgress? = nil
    ) {
        self.layers = layers
        self.writer = writer
        self.isCancelled = isCancelled
        self.progress = progress
    }

    func run() throws(ConversionError) {
        for index in layers.indices.reversed() {
            pass = LayerPass(layer: index)
            let stream = try LayerStream(layers[index])
            let reader = TarReader(stream.reader)
            do throws(ConversionError) {
                while let entry = try reader.next() {
                    guard !isCancelled() else { throw ConversionError(.cancelled, "the conversion was cancelled") }
                    progress?.entryRead()
                    try take(entry, ordinal: reader.ordinal, reader: reader)
                }
            } catch {
                throw stream.explain(error)
            }
            try stream.finish()
            if !pass.orphans.isEmpty { try copyOrphanTargets(layers[index]) }
            progress?.layerDone(size: layers[index].size)
        }
        if let (link, target) = links.firstUnsatisfied { throw brokenLink(link, target) }
        for (link, target) in links.deferred {
            guard tree.emitted(target) == .nonDirectory else { throw brokenLink(link, target) }
            try writeLink(link, to: links.primary(of: target))
        }
        try writer.finish()
    }

    private func take(_ entry: TarEntry, ordinal: Int, reader: TarReader) throws(ConversionError) {
        let layer = pass.layer
        if entry.path.isEmpty && !entry.kind.isDirectory { return }  // a root that is not a directory is noise
        let nameStart = entry.path.lastIndex(of: TarPath.slash).map { $0 + 1 } ?? 0
        if entry.path[nameStart...].starts(with: Self.whiteoutPrefix) {
            let (parent, name) = TarPath.split(entry.path)
            if name.elementsEqual(Self.opaqueMarker) {
                tree.recordOpaque(parent, layer: layer)
            } else if !name.dropFirst(4).starts(with: Self.whiteoutPrefix) {
                // Other ".wh..wh." names are aufs bookkeeping, not content.
                let target = TarPath.join(parent, name.dropFirst(4))
                if let link = links.takeRequests(for: target, below: layer).first { throw brokenLink(link, target) }
                tree.recordWhiteout(target, layer: layer)
            }
            return
        }
        let verdict = tree.verdict(for: entry.path, layer: layer)
        tree.recordEntry(entry.path, layer: layer, isDirectory: entry.kind.isDirectory)
        var emitted = false
        if verdict == .visible {
            if entry.kind == .hardLink {
                tree.recordEmitted(entry.path, isDirectory: false)
                try resolve([entry], target: entry.linkTarget)
            } else {
                try writer.write(entry, contentFrom: reader)
                tree.recordEmitted(entry.path, isDirectory: entry.kind.isDirectory)
                emitted = true
            }
        }
        if !entry.kind.isDirectory && pass.records[entry.path] == nil {
            pass.records[entry.path] = LayerPass.Record(ordinal: ordinal, entry: entry, emitted: emitted)
        }
        if links.hasRequests {
            let waiting = links.takeRequests(for: entry.path, below: layer)
            if !waiting.isEmpty { try provide(entry, to: waiting, emitted: emitted, reader: reader) }
        }
    }

    /// Writes links that must share `target`'s inode as it was when the current layer was applied.
    private func resolve(_ group: [TarEntry], target: [UInt8], depth: Int = 0) throws(ConversionError) {
        if let record = pass.records[target] {
            if record.entry.kind == .hardLink {
                guard depth < 64 else { throw brokenLink(group[0], target) }
                return try resolve(group, target: record.entry.linkTarget, depth: depth + 1)
            }
            if record.emitted || record.materialisedAs != nil {
                let primary = record.materialisedAs ?? links.primary(of: target)
                for link in group { try writeLink(link, to: primary) }
            } else {
                pass.orphans[record.ordinal, default: []] += group
            }
        } else if tree.verdict(for: target, layer: pass.layer) == .visible {
            // The output will hold the lower layers' file at `target`, the very one the link names.
            links.postpone(group, target: target)
        } else {
            links.request(group, target: target, layer: pass.layer)
        }
    }

    /// `entry` is the target that links from higher layers were waiting for.
    private func provide(
        _ entry: TarEntry, to group: [TarEntry], emitted: Bool, reader: TarReader
    )
        throws(ConversionError)
    {
        switch entry.kind {
        case .directory:
            throw brokenLink(group[0], entry.path)
        case .hardLink:
            try resolve(group, target: entry.linkTarget)
        default:
            if emitted {
                for link in group { try writeLink(link, to: links.primary(of: entry.path)) }
            } else {
                try materialise(entry, as: group, reader: reader)
                pass.records[entry.path]?.materialisedAs = group[0].path
            }
        }
    }

    /// The one hard case: the target is not in the output, so the first link gets its content and metadata (a hard
    /// link shares the target's inode) and the others link to the first.
    private func materialise(_ target: TarEntry, as group: [TarEntry], reader: TarReader) throws(ConversionError) {
        var copy = target
        copy.path = group[0].path
        try writer.write(copy, contentFrom: reader)
        for link in group.dropFirst() { try writeLink(link, to: copy.path) }
    }

    /// Second pass over a layer whose hidden files are the targets of links kept in the output.
    private func copyOrphanTargets(_ layer: OCILayout.Layer) throws(ConversionError) {
        let stream = try LayerStream(layer)
        defer { stream.stop() }
        let reader = TarReader(stream.reader)
        var wanted = pass.orphans
        while !wanted.isEmpty, let entry = try reader.next() {
            guard let group = wanted.removeValue(forKey: reader.ordinal) else { continue }
            try materialise(entry, as: group, reader: reader)
        }
        if let group = wanted.values.first { throw brokenLink(group[0], group[0].linkTarget) }
    }

    private func writeLink(_ link: TarEntry, to primary: [UInt8]) throws(ConversionError) {
        var entry = link
        entry.kind = .hardLink
        entry.linkTarget = primary
        entry.size = 0
        try writer.write(entry, contentFrom: nil)
        tree.recordEmitted(link.path, isDirectory: false)
        links.notePrimary(of: link.path, is: primary)
    }

    private func brokenLink(_ link: TarEntry, _ target: [UInt8]) -> ConversionError {
        ConversionError(
            .brokenHardLink,
            "hard link \(link.pathDescription) points to /\(String(decoding: target, as: UTF8.self)), which no layer provides as a file"
        )
    }
}
