/// An image reference as pcocc users write it: `[REPO:]NAME[@REVISION]`.
public struct ImageName: Sendable, Hashable, CustomStringConvertible {
    /// nil: search every configured repository (or store into the default one).
    public let repository: String?
    public let name: String
    /// nil: the highest revision.
    public let revision: Int?

    public init(repository: String? = nil, name: String, revision: Int? = nil) throws(ImageRepoError) {
        try Self.validate(name, what: "image name")
        if let repository { try Self.validate(repository, what: "repository name") }
        self.repository = repository
        self.name = name
        self.revision = revision
    }

    /// Parses like pcocc's `parse_image_uri`: split on the last `@` (the revision must be an integer),
    /// then on `:` (repository, name).
    public init(parsing text: String) throws(ImageRepoError) {
        var rest = Substring(text)
        var revision: Int?
        if let at = rest.lastIndex(of: "@") {
            let revisionText = rest[rest.index(after: at)...]
            // Python's int() tolerates surrounding blanks and a sign; so do we.
            guard let value = Int(revisionText.trimmingCharacters(in: " \t\n")) else {
                throw ImageRepoError(.badRevision, "Bad revision: \(revisionText) (in image name '\(text)')")
            }
            revision = value
            rest = rest[..<at]
        }
        let parts = rest.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count <= 2 else {
            // pcocc silently drops what follows a second ':'; refusing is clearer.
            throw ImageRepoError(.badName, "Bad image name '\(text)': expected [REPO:]NAME[@REVISION]")
        }
        // pcocc treats an empty repository (":name") as no repository.
        let repository = parts.count == 2 && !parts[0].isEmpty ? String(parts[0]) : nil
        try self.init(repository: repository, name: String(parts[parts.count - 1]), revision: revision)
    }

    /// pcocc's rule: names match `[a-zA-Z0-9_.-]+`.
    public static func isValidName(_ name: String) -> Bool {
        !name.isEmpty
            && name.unicodeScalars.allSatisfy { scalar in
                switch scalar {
                case "a"..."z", "A"..."Z", "0"..."9", "_", ".", "-": return true
                default: return false
                }
            }
    }

    static func validate(_ name: String, what: String) throws(ImageRepoError) {
        guard !name.isEmpty else { throw ImageRepoError(.badName, "Empty \(what)") }
        guard isValidName(name) else {
            throw ImageRepoError(.badName, "Bad \(what) '\(name)': only letters, digits, '_', '.' and '-' are allowed")
        }
    }

    public var description: String {
        (repository.map { "\($0):" } ?? "") + name + (revision.map { "@\($0)" } ?? "")
    }
}

extension Substring {
    fileprivate func trimmingCharacters(in blanks: String) -> Substring {
        var text = self
        while let first = text.first, blanks.contains(first) { text = text.dropFirst() }
        while let last = text.last, blanks.contains(last) { text = text.dropLast() }
        return text
    }
}
