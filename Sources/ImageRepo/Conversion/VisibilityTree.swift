/// What overlayfs shows of the layers merged so far (the higher ones: layers go top-down), so that an entry of a lower
/// layer can be judged on the spot. For each path: the highest layer that has it decides what it is (a directory, a
/// non-directory, or nothing when that is a whiteout), and its children come only from the layers above a barrier:
/// an opaque directory (its own layer still counts), or a lower non-directory or whiteout under a directory.
///
/// Layer numbers are manifest positions (0 = bottom). A layer's own whiteouts and opaque flags never hide its own
/// entries, which is why a layer is merged in only once all its entries are judged.
final class VisibilityTree {
    enum Verdict {
        /// No higher layer has the path, and nothing above hides it.
        case visible
        /// A higher layer has a directory here: a lower directory merges into it (its children may show), but its
        /// own metadata does not.
        case mergedDirectory
        case hidden
    }

    private final class Node {
        var children: [ByteKey: Node] = [:]
        /// What the highest layer having this path made of it.
        var decided: Kind?
        /// Children from layers below this number are hidden.
        var childrenHiddenBelow = -1
        /// What the output has at this path.
        var emitted: Kind?
    }

    enum Kind: Equatable {
        case directory, nonDirectory, absent
    }

    private let root = Node()

    init() {
        root.decided = .directory
    }

    /// What the layers above show at `entry`'s path in `layer`.
    func verdict(for entry: LayerModel.Node, layer: Int) -> Verdict {
        var chain: [LayerModel.Node] = []
        var current = entry
        while let parent = current.parent {
            chain.append(current)
            current = parent
        }
        var node = root
        for component in chain.reversed() {
            // The node is an ancestor of the entry here; undecided, no higher layer has it, nor anything under it.
            guard let decided = node.decided else { return .visible }
            if node.childrenHiddenBelow > layer || decided != .directory { return .hidden }
            guard let child = node.children[ByteKey(component.name)] else { return .visible }
            node = child
        }
        switch node.decided {
        case nil: return .visible
        case .directory: return .mergedDirectory
        default: return .hidden
        }
    }

    /// Adds a layer's final tree under everything merged so far. overlayfs merges the layers' roots whatever they
    /// say: an opaque root hides nothing.
    func merge(_ model: LayerModel, layer: Int) {
        merge(model.root, into: root, layer: layer)
    }

    private func merge(_ directory: LayerModel.Node, into node: Node, layer: Int) {
        // Children of a directory that hides this layer's ones hide nothing either.
        guard node.childrenHiddenBelow <= layer, node.decided == .directory else { return }
        for (name, child) in directory.children {
            let target =
                node.children[name]
                ?? {
                    let created = Node()
                    node.children[name] = created
                    return created
                }()
            let kind: Kind =
                child.isDirectory ? .directory : child.inode.kind == .whiteout ? .absent : .nonDirectory
            switch target.decided {
            case nil:
                target.decided = kind
                if kind != .directory { target.childrenHiddenBelow = Int.max }
            case .directory:
                // A lower non-directory or whiteout stops the merge there; a lower directory joins it.
                if kind != .directory { target.childrenHiddenBelow = max(target.childrenHiddenBelow, layer + 1) }
            default:
                continue
            }
            if kind == .directory {
                if child.opaque { target.childrenHiddenBelow = max(target.childrenHiddenBelow, layer) }
                merge(child, into: target, layer: layer)
            }
        }
    }

    func recordEmitted(_ path: [UInt8], isDirectory: Bool) {
        node(path).emitted = isDirectory ? .directory : .nonDirectory
    }

    /// What the output has at `path`, if anything yet.
    func emitted(_ path: [UInt8]) -> Kind? {
        var node = root
        for component in TarPath.components(path) {
            guard let child = node.children[ByteKey(component)] else { return nil }
            node = child
        }
        return node.emitted
    }

    private func node(_ path: [UInt8]) -> Node {
        var node = root
        for component in TarPath.components(path) {
            let key = ByteKey(component)
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
