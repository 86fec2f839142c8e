/// A docker image reference as the daemon names it: `name[:tag]` (a missing tag means `latest`).
public struct DaemonImageReference: Sendable, Equatable, CustomStringConvertible {
    public let name: String
    public let tag: String

    /// Parses `name[:tag]`; a colon followed by a slash belongs to a registry host, not a tag.
    public init(parsing text: String) throws(SkopeoError) {
        guard !text.isEmpty, !text.contains("@"), !text.contains(where: \.isWhitespace) else {
            throw SkopeoError.invalidReference(text)
        }
        if let colon = text.lastIndex(of: ":"), !text[colon...].contains("/") {
            name = String(text[..<colon])
            tag = String(text[text.index(after: colon)...])
        } else {
            name = text
            tag = "latest"
        }
        guard !name.isEmpty, !tag.isEmpty, name.lowercased() == name else { throw SkopeoError.invalidReference(text) }
    }

    public var description: String { "\(name):\(tag)" }
}
