/// Hard links whose target is not settled when the link is read, and where each written link's content lives.
///
/// A hard link in layer k names a path as it was when layer k was applied. If the output will have that same
/// file, the link stays a link; if a higher layer hid or replaced the target, the content must be materialised
/// from the lower layer that provided it, and all the links to it stay one inode among themselves.
final class HardLinkBook {
    private struct Request {
        var links: [TarEntry]
        /// The layer of the links: only a lower layer's entry can be their target.
        let layer: Int
    }

    /// Links whose target a higher layer hid, by target path: the highest lower entry at that path provides it.
    private var requests: [[UInt8]: [Request]] = [:]
    /// Links to a target that a lower layer will write; written at the very end, once the target is known to exist.
    private(set) var deferred: [(link: TarEntry, target: [UInt8])] = []
    /// For each path written as a hard link, the path holding the content (chains resolved here: a squashfs hard link names an inode, not a path).
    private var primaries: [[UInt8]: [UInt8]] = [:]

    var hasRequests: Bool { !requests.isEmpty }

    func request(_ links: [TarEntry], target: [UInt8], layer: Int) {
        requests[target, default: []].append(Request(links: links, layer: layer))
    }

    /// The links waiting for `path` from layers above `layer`, removed from the book.
    func takeRequests(for path: [UInt8], below layer: Int) -> [TarEntry] {
        guard let waiting = requests[path] else { return [] }
        let (above, rest) = (waiting.filter { $0.layer > layer }, waiting.filter { $0.layer <= layer })
        requests[path] = rest.isEmpty ? nil : rest
        return above.flatMap(\.links)
    }

    func postpone(_ links: [TarEntry], target: [UInt8]) {
        for link in links { deferred.append((link, target)) }
    }

    func primary(of path: [UInt8]) -> [UInt8] {
        primaries[path] ?? path
    }

    func notePrimary(of link: [UInt8], is primary: [UInt8]) {
        primaries[link] = primary
    }

    /// A link still waiting once every layer is read: its target exists in no layer.
    var firstUnsatisfied: (link: TarEntry, target: [UInt8])? {
        guard let (target, waiting) = requests.first, let link = waiting.first?.links.first else { return nil }
        return (link, target)
    }
}
