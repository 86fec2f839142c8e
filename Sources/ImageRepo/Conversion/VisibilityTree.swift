/// What the layers already streamed (the higher ones: layers go top-down) decided about each path, so that an entry of
/// a lower layer can be judged on the spot: kept, hidden (shadowed, whited out, under an opaque directory or under a
/// path a higher layer made a non-directory), or a duplicate within its own layer.
///
/// Layer numbers are manifest positions (0 = bottom); a mark made by layer k only hides entries of layers below k,
/// because whiteouts and opaque markers never apply to their own layer.
final class VisibilityTree {
    enum Verdict {
        case visible, hidden, duplicate
    }

    private final class Node {
        var children: [[UInt8]: Node] = [:]
        /// Entries at exactly this path in layers below this number are hidden (any entry or a whiteout here).
        var selfHiddenBelow = -1
        /// Entries strictly under this path in layers below this number are hidden (whiteout, opaque, non-directory).
        var childrenHiddenBelow = -1
        /// The last layer with an entry at this path, to catch a path twice in one layer.
        var seenLayer = -1
        /// Whether the output has this path, and as what.
        var emitted: Kind?
    }

    enum Kind: Equatable {
        case directory, nonDirectory
    }

    private let root = Node()

    func verdict(for path: [UInt8], layer: Int) -> Verdict {
        var node = root
        for component in TarPath.components(path) {
            // The node is an ancestor of `path` here.
            if node.childrenHiddenBelow > layer || node.emitted == .nonDirectory { return .hidden }
            guard let child = node.children[Array(component)] else { return .visible }
            node = child
        }
        if node.seenLayer == layer { return .duplicate }
        return node.selfHiddenBelow > layer ? .hidden : .visible
    }

    /// An entry of `layer` at `path`, kept or not: it hides that path below, and everything under it unless a directory.
    func recordEntry(_ path: [UInt8], layer: Int, isDirectory: Bool) {
        let node = self.node(path)
        node.seenLayer = layer
        node.selfHiddenBelow = max(node.selfHiddenBelow, layer)
        if !isDirectory { node.childrenHiddenBelow = max(node.childrenHiddenBelow, layer) }
    }

    /// `.wh.NAME`: the path and everything under it are gone for the layers below.
    func recordWhiteout(_ path: [UInt8], layer: Int) {
        let node = self.node(path)
        node.selfHiddenBelow = max(node.selfHiddenBelow, layer)
        node.childrenHiddenBelow = max(node.childrenHiddenBelow, layer)
    }

    /// `.wh..wh..opq`: the directory keeps its own entry but loses the lower layers' children.
    func recordOpaque(_ path: [UInt8], layer: Int) {
        let node = self.node(path)
        node.childrenHiddenBelow = max(node.childrenHiddenBelow, layer)
    }

    func recordEmitted(_ path: [UInt8], isDirectory: Bool) {
        node(path).emitted = isDirectory ? .directory : .nonDirectory
    }

    /// What the output has at `path`, if anything yet.
    func emitted(_ path: [UInt8]) -> Kind? {
        var node = root
        for component in TarPath.components(path) {
            guard let child = node.children[Array(component)] else { return nil }
            node = child
        }
        return node.emitted
    }

    private func node(_ path: [UInt8]) -> Node {
        var node = root
        for component in TarPath.components(path) {
            let key = Array(component)
            if let child = node.children[key] {
                node = child
            } else {
                let child = Node()
                node.children[key] = child
                node = child
            }
        }
        return node
    }
}
