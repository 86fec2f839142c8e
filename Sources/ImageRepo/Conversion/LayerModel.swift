/// One layer applied the way docker applies it (26.1; where 20.10 differed, noted): moby's archive.Unpack with
/// overlay whiteouts, as root, chrooted into the layer's own empty overlay2 directory. The model is that directory
/// once the layer's entries are written: later entries replace earlier ones, parents are created 0755 root:root,
/// names go through this layer's symbolic links (never out of it), whiteouts are 0/0 character devices, opaque
/// directories a flag, hard links shared inodes.
/// What the kernel or moby refuses is an error naming the layer and the entry.
final class LayerModel {
    /// A path as its names (slices of an entry's name, not copied).
    typealias Components = [ArraySlice<UInt8>]

    final class Inode {
        enum Kind: Equatable {
            case directory, regular, symbolicLink, characterDevice, blockDevice, fifo
            /// A 0/0 character device: overlayfs's whiteout, whether a .wh. entry or the archive made it.
            case whiteout
        }

        var kind: Kind
        var mode: UInt32 = 0
        var uid: UInt32 = 0
        var gid: UInt32 = 0
        var mtime: Int64 = 0
        var xattrs: [[UInt8]: [UInt8]] = [:]
        var target: [UInt8] = []
        var device: (major: UInt32, minor: UInt32) = (0, 0)
        /// Regular files: the ordinal of the entry whose data it holds, and its size.
        var contentOrdinal = -1
        var size: Int64 = 0
        /// What the output got when the file was written as its entry arrived, and at which node: a later change
        /// of either means a second try. Unowned, as `Node.parent`: that node stays in the model as long as the
        /// model is used (removing it ends the model's use, `changedWrittenFile`).
        var written: Metadata?
        unowned var writtenAt: Node?

        init(_ kind: Kind) {
            self.kind = kind
        }

        var metadata: Metadata { Metadata(mode: mode, uid: uid, gid: gid, mtime: mtime, xattrs: xattrs) }
    }

    struct Metadata: Equatable {
        var mode: UInt32, uid: UInt32, gid: UInt32, mtime: Int64
        var xattrs: [[UInt8]: [UInt8]]
    }

    final class Node {
        let name: [UInt8]
        /// Read only for nodes in the tree, whose parent the tree holds. Unowned, not weak: a weak reference gives
        /// every node a side table, and every retain and release of a node then took the slow path (a tenth of
        /// the flattener's time in bench/convert).
        unowned var parent: Node?
        var inode: Inode
        var children: [ByteKey: Node] = [:]
        /// The same, in the order the layer made them (deterministic output without sorting).
        var ordered: [Node] = []
        /// trusted.overlay.opaque: lower layers' children are hidden.
        var opaque = false
        /// Made as a missing parent (0755 root:root), not by an entry of its own.
        var implicit = false

        /// From the layer's root ("a/b"; empty for the root), kept: every entry asks for it.
        let path: [UInt8]

        init(name: [UInt8], parent: Node?, inode: Inode) {
            self.name = name
            self.parent = parent
            self.inode = inode
            path = parent.map { TarPath.join($0.path, name) } ?? name
        }

        var isDirectory: Bool { inode.kind == .directory }
    }

    let root = Node(name: [], parent: nil, inode: Inode(.directory))
    let layerName: String
    /// Every entry's name so far, cleaned.
    private var names: Set<ByteKey> = []
    /// An entry changed a file the output already has (replaced it, or a hard link header changed its metadata).
    private(set) var changedWrittenFile = false

    init(layerName: String) {
        self.layerName = layerName
        root.inode.mode = 0o755
    }

    // MARK: - Applying entries

    /// Applies one entry; returns the node it created (or the directory it merged into), nil when docker skips it.
    @discardableResult
    func apply(_ entry: LayerEntry, ordinal: Int) throws(ConversionError) -> Node? {
        // tar-split, which docker reads every layer through, refuses a name twice (as Go's filepath.Clean spells
        // it: "x" and "/x" differ), whatever the entries are.
        let cleaned = TarPath.clean(entry.name)
        guard names.insert(ByteKey(cleaned.goClean)).inserted else {
            throw refusal(entry, "has the same name as an earlier entry of the layer (duplicates of file paths)")
        }
        if entry.kind == .globalHeader || cleaned.isDot { return nil }
        let components = cleaned.components
        guard let base = components.last else {
            // "/" or "..": the layer's root itself, which docker cannot replace by a non-directory; a directory
            // entry only changes the root's metadata, which no container shows (the root is its upper layer's).
            if entry.kind == .directory { return nil }
            throw refusal(entry, "replaces the root directory")
        }
        let place = try directory(for: components, entry)
        if case .directory(let parent, let name) = place, let existing = parent.children[ByteKey(name)],
            !(existing.isDirectory && entry.kind == .directory)
        {
            remove(existing)
        }
        if base.starts(with: Self.whiteoutPrefix) {
            try whiteout(components, base: base, entry)
            return nil
        }
        return try create(entry, at: place, components, ordinal: ordinal)
    }

    /// Where a path lands: the directory the kernel reaches for its parent (following symbolic links), and the last
    /// name; or why none.
    enum Place {
        case directory(Node, name: ArraySlice<UInt8>)
        case unreachable(String)
    }

    private func place(of components: Components) -> Place {
        let name = components.last ?? []
        switch resolve(Array(components.dropLast()), followLast: true) {
        case .found(let node): return node.isDirectory ? .directory(node, name: name) : .unreachable("ENOTDIR")
        case .missing: return .unreachable("ENOENT")
        case .failed(let reason): return .unreachable(reason)
        }
    }

    /// The entry's place, once moby made its missing parents: it does when an lstat of the parent says ENOENT (only).
    private func directory(for components: Components, _ entry: LayerEntry) throws(ConversionError) -> Place {
        let found = place(of: components)
        if case .directory = found { return found }
        let parent = Array(components.dropLast())
        switch resolve(parent, followLast: false) {
        case .missing, .failed("ENOENT"):
            try makeParents(parent, entry)
            return place(of: components)
        default:
            return found
        }
    }

    static let whiteoutPrefix = Array(".wh.".utf8)
    private static let capability = Array("security.capability".utf8)
    static let opaqueMarker = Array(".wh..wh..opq".utf8)

    private func whiteout(
        _ components: Components, base: ArraySlice<UInt8>, _ entry: LayerEntry
    ) throws(ConversionError) {
        let directory = Array(components.dropLast())
        if base.elementsEqual(Self.opaqueMarker) {
            // setxattr(trusted.overlay.opaque) on the directory, following symbolic links.
            switch resolve(directory, followLast: true) {
            case .found(let node): if node.isDirectory { node.opaque = true }
            case .missing: throw refusal(entry, "marks a missing directory opaque (ENOENT)")
            case .failed(let reason): throw refusal(entry, "marks an unreachable directory opaque (\(reason))")
            }
            return
        }
        // mknod(dir/NAME, S_IFCHR, 0); "" and "." name the directory itself, ".." its parent.
        var target = directory
        let name = base.dropFirst(Self.whiteoutPrefix.count)
        if name.elementsEqual([TarPath.dot, TarPath.dot]) {
            _ = target.popLast()
        } else if !name.isEmpty && !name.elementsEqual([TarPath.dot]) {
            target.append(name)
        }
        guard !target.isEmpty else { throw refusal(entry, "whites out the root directory (EEXIST)") }
        try checkLength(target, entry)
        let node = try makeNode(at: place(of: target), entry, kind: .whiteout)
        node.inode.mode = 0
    }

    private func create(
        _ entry: LayerEntry, at place: Place, _ components: Components, ordinal: Int
    )
        throws(ConversionError) -> Node
    {
        try checkLength(components, entry)
        let node: Node
        switch entry.kind {
        case .directory:
            if case .directory(let parent, let name) = place, let existing = parent.children[ByteKey(name)],
                existing.isDirectory
            {
                existing.implicit = false
                node = existing
            } else {
                node = try makeNode(at: place, entry, kind: .directory)
            }
        case .regular:
            node = try makeNode(at: place, entry, kind: .regular)
            node.inode.contentOrdinal = ordinal
            node.inode.size = entry.size
        case .symbolicLink:
            guard !entry.linkName.isEmpty else { throw refusal(entry, "is a symbolic link to nothing (ENOENT)") }
            guard entry.linkName.count < 4096 else { throw refusal(entry, "is a symbolic link target over 4095 bytes") }
            node = try makeNode(at: place, entry, kind: .symbolicLink)
            node.inode.target = entry.linkName
        case .characterDevice, .blockDevice, .fifo:
            // moby's Mkdev keeps 12 bits of the major and 20 of the minor; a 0/0 character device is a whiteout.
            let major = UInt32(truncatingIfNeeded: entry.deviceMajor & 0xFFF)
            let minor = UInt32(truncatingIfNeeded: entry.deviceMinor & 0xFFFFF)
            let kind: Inode.Kind =
                entry.kind == .fifo
                ? .fifo
                : entry.kind == .blockDevice
                    ? .blockDevice
                    : major == 0 && minor == 0 ? .whiteout : .characterDevice
            node = try makeNode(at: place, entry, kind: kind)
            node.inode.device = (major, minor)
        case .hardLink:
            node = try link(entry, at: place)
        case .globalHeader, .other:
            throw refusal(entry, "has a tar type docker does not handle")
        }
        try setMetadata(of: node, from: entry)
        return node
    }

    /// link(2): the target is looked up in this layer only (without following its last component), never a directory.
    private func link(_ entry: LayerEntry, at place: Place) throws(ConversionError) -> Node {
        let target = TarPath.clean(entry.linkName).components
        try checkLength(target, entry)
        let existing: Node
        let description = String(decoding: entry.linkName, as: UTF8.self)
        switch resolve(target, followLast: false) {
        case .found(let node): existing = node
        case .missing:
            throw refusal(
                entry, "is a hard link to '\(description)', which this layer does not have (ENOENT)", .brokenHardLink)
        case .failed(let reason):
            throw refusal(
                entry, "is a hard link to '\(description)', which cannot be reached (\(reason))", .brokenHardLink)
        }
        guard !existing.isDirectory else {
            throw refusal(entry, "is a hard link to a directory (EPERM)", .brokenHardLink)
        }
        let node = try makeNode(at: place, entry, kind: existing.inode.kind)
        node.inode = existing.inode
        return node
    }

    /// What moby does after creating the entry: lchown, lsetxattr, chmod (not for symbolic links), chtimes.
    private func setMetadata(of node: Node, from entry: LayerEntry) throws(ConversionError) {
        let inode = node.inode
        if inode.kind == .whiteout { return }
        // lchown takes 32 bits; (uid_t)-1 leaves the owner as it is.
        let uid = UInt32(truncatingIfNeeded: entry.uid)
        let gid = UInt32(truncatingIfNeeded: entry.gid)
        if uid != UInt32.max { inode.uid = uid }
        if gid != UInt32.max { inode.gid = gid }
        // The kernel drops a file capability on any chown of a non-directory: a hard link header (or a second entry
        // for the same file) takes away the one its target had, unless it carries it again.
        if !node.isDirectory { inode.xattrs[Self.capability] = nil }
        let target: XattrRules.Target =
            switch inode.kind {
            case .regular: .regular
            case .directory: .directory
            case .symbolicLink: .symbolicLink
            default: .other
            }
        for (name, value) in entry.xattrs {
            switch XattrRules.outcome(name: name, value: value, on: target) {
            case .keep:
                inode.xattrs[name] = value
                guard XattrRules.fitsExt4(inode.xattrs) else {
                    throw refusal(entry, "has more extended attributes than an ext4 inode holds (ENOSPC)")
                }
            case .overlay(let opaque): if opaque && node.isDirectory { node.opaque = true }
            case .ignore: break
            case .refuse(let reason):
                throw refusal(
                    entry, "has an extended attribute '\(LayerEntry.describe(name))' the kernel refuses: \(reason)")
            case .cannotBe(let what):
                throw ConversionError(
                    .unsupportedLayer,
                    "\(layerName): entry '\(entry.nameDescription)' has \(what) (\(LayerEntry.describe(name))), "
                        + "which a squashfs cannot hold")
            }
        }
        // moby's handleLChmod and Chtimes skip a hard link to a symbolic link (and one whose name does not Lstat).
        let linkSkips = entry.kind == .hardLink && (inode.kind == .symbolicLink || entry.linkName.last == TarPath.slash)
        if inode.kind != .symbolicLink && !linkSkips { inode.mode = UInt32(truncatingIfNeeded: entry.mode & 0o7777) }
        if !linkSkips { inode.mtime = entry.mtime }
        if let written = inode.written, written != inode.metadata { changedWrittenFile = true }
    }

    // MARK: - The directory tree

    enum Resolution {
        case found(Node)
        case missing(parent: Node, name: ArraySlice<UInt8>)
        case failed(String)
    }

    /// Path resolution inside the layer, as the kernel does it chrooted there: symbolic links are followed (absolute
    /// ones from the layer's root), ".." stops at the root, at most 40 links.
    func resolve(_ components: Components, followLast: Bool) -> Resolution {
        var pending = Array(components.reversed())
        var current = root
        var links = 0
        while let component = pending.popLast() {
            if component == [TarPath.dot] { continue }
            if component == [TarPath.dot, TarPath.dot] {
                current = current.parent ?? root
                continue
            }
            guard current.isDirectory else { return .failed("ENOTDIR") }
            guard let child = current.children[ByteKey(component)] else {
                return pending.isEmpty ? .missing(parent: current, name: component) : .failed("ENOENT")
            }
            if child.inode.kind == .symbolicLink && (!pending.isEmpty || followLast) {
                links += 1
                guard links <= 40 else { return .failed("ELOOP") }
                let target = child.inode.target
                guard !target.isEmpty else { return .failed("ENOENT") }
                if target.first == TarPath.slash { current = root }
                pending += TarPath.components(target).reversed()
                continue
            }
            if pending.isEmpty { return .found(child) }
            current = child
        }
        return .found(current)
    }

    /// Go's os.MkdirAll, then idtools making the new directories 0755 root:root.
    private func makeParents(_ components: Components, _ entry: LayerEntry) throws(ConversionError) {
        try checkLength(components, entry)
        switch resolve(components, followLast: true) {
        case .found(let node):
            if node.isDirectory { return }
            throw refusal(entry, "is under a non-directory (ENOTDIR)")
        default:
            break
        }
        if components.count > 1 { try makeParents(Array(components.dropLast()), entry) }
        switch resolve(components, followLast: false) {
        case .missing(let parent, let name):
            let node = try add(name, to: parent, Inode(.directory), entry)
            node.inode.mode = 0o755
            node.implicit = true
        case .found(let node) where node.isDirectory:
            return
        case .found:
            throw refusal(entry, "is under a path that is not a directory (EEXIST)")
        case .failed(let reason):
            throw refusal(entry, "is under an unreachable path (\(reason))")
        }
    }

    /// A new node where nothing is (mknod, mkdir, open O_CREAT, symlink and link all fail on an existing name).
    private func makeNode(at place: Place, _ entry: LayerEntry, kind: Inode.Kind) throws(ConversionError) -> Node {
        switch place {
        case .directory(let parent, let name):
            guard parent.children[ByteKey(name)] == nil else {
                throw refusal(entry, "cannot be created: the path exists (EEXIST)")
            }
            return try add(name, to: parent, Inode(kind), entry)
        case .unreachable(let reason):
            throw refusal(entry, "cannot be created (\(reason))")
        }
    }

    /// Docker's layer is /var/lib/docker/overlay2/<64 hex>/diff: measuring its size (after the untar) fails on a
    /// path of more than 4000 bytes under it (PATH_MAX).
    static let longestPath = 4095 - "/var/lib/docker/overlay2/".utf8.count - 64 - "/diff/".utf8.count

    private func add(
        _ name: ArraySlice<UInt8>, to parent: Node, _ inode: Inode, _ entry: LayerEntry
    ) throws(ConversionError)
        -> Node
    {
        let node = Node(name: Array(name), parent: parent, inode: inode)
        guard node.path.count <= Self.longestPath else {
            throw refusal(
                entry,
                "makes a path of \(node.path.count) bytes, over the \(Self.longestPath) docker's layer directory "
                    + "allows (ENAMETOOLONG)")
        }
        parent.children[ByteKey(node.name)] = node
        parent.ordered.append(node)
        return node
    }

    /// os.RemoveAll of a node of this layer and everything under it.
    private func remove(_ node: Node) {
        guard let parent = node.parent else { return }
        parent.children[ByteKey(node.name)] = nil
        parent.ordered.removeAll { $0 === node }
        var stack = [node]
        while let current = stack.popLast() {
            if current.inode.writtenAt === current { changedWrittenFile = true }
            stack += current.children.values
        }
    }

    /// ENAMETOOLONG: a name over 255 bytes, or a path (with its leading "/") over 4095.
    private func checkLength(_ components: Components, _ entry: LayerEntry) throws(ConversionError) {
        if components.contains(where: { $0.count > 255 }) {
            throw refusal(entry, "has a name over 255 bytes (ENAMETOOLONG)")
        }
        let length = components.reduce(0) { $0 + $1.count + 1 }
        if length > 4095 { throw refusal(entry, "has a path over 4095 bytes (ENAMETOOLONG)") }
    }

    func refusal(_ entry: LayerEntry, _ what: String, _ code: ConversionError.Code = .malformedLayer) -> ConversionError
    {
        ConversionError(code, "\(layerName): entry '\(entry.nameDescription)' \(what); docker refuses such a layer too")
    }
}
