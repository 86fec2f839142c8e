import Foundation
import HostSystem
import Yams

/// Which repositories exist and where the cache is, read from repos.yaml the way pcocc reads it:
/// `$PCOCC_USER_CONF_DIR/repos.yaml` (default `~/.pcocc/`) first, then `$PCOCC_SYSTEM_CONF_DIR/repos.yaml`
/// (default `/etc/pcocc/`). Repositories keep that order, which is their priority; the first is the default
/// destination. With no repos.yaml at all, the single `user` repository of a default pcocc install is used.
public struct RepositoryConfiguration: Sendable {
    public struct Entry: Sendable, Equatable {
        public let name: String
        /// Resolved (templates and `~` expanded).
        public let path: String
        /// The repos.yaml that declared it, or nil for the built-in default.
        public let file: String?

        public init(name: String, path: String, file: String? = nil) {
            self.name = name
            self.path = path
            self.file = file
        }
    }

    public let repositories: [Entry]
    /// The configured `cache.path`, else `%{homedir}/.pcocc/cache`.
    public let cacheDirectory: String
    /// The repos.yaml files that were read, in order.
    public let files: [String]

    public static let defaultRepositoryName = "user"

    public init(repositories: [Entry], cacheDirectory: String, files: [String] = []) {
        self.repositories = repositories
        self.cacheDirectory = cacheDirectory
        self.files = files
    }

    /// Reads the repos.yaml files named by the environment.
    public static func load(
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ImageRepoError) -> RepositoryConfiguration {
        let template = PathTemplate(environment: environment)
        let userDirectory = template.resolve(environment["PCOCC_USER_CONF_DIR"] ?? "%homedir/.pcocc/")
        let systemDirectory = template.resolve(environment["PCOCC_SYSTEM_CONF_DIR"] ?? "/etc/pcocc/")
        let candidates = [userDirectory, systemDirectory].map { ($0 as NSString).appendingPathComponent("repos.yaml") }
        var files: [String] = []
        var entries: [Entry] = []
        var cache: String?
        for file in candidates where FileManager.default.fileExists(atPath: file) {
            let text: String
            do {
                text = try String(contentsOfFile: file, encoding: .utf8)
            } catch {
                throw ImageRepoError(.badConfiguration, "Cannot read \(file)", underlying: ImageRepoCause("\(error)"))
            }
            let parsed = try parse(text, file: file, template: template)
            for entry in parsed.repositories {
                guard !entries.contains(where: { $0.name == entry.name }) else {
                    throw ImageRepoError(.badConfiguration, "\(file): repos: duplicate repository '\(entry.name)'")
                }
                entries.append(entry)
            }
            if let path = parsed.cache {
                // pcocc allows one cache in all repos.yaml files together.
                guard cache == nil else {
                    throw ImageRepoError(.badConfiguration, "\(file): cache: only a single cache may be configured")
                }
                cache = path
            }
            files.append(file)
        }
        if files.isEmpty {
            entries = [
                Entry(name: defaultRepositoryName, path: template.resolve("%{homedir}/.pcocc/images"), file: nil)
            ]
        }
        guard !entries.isEmpty else {
            throw ImageRepoError(.badConfiguration, "No repository configured in \(files.joined(separator: " or "))")
        }
        return RepositoryConfiguration(
            repositories: entries, cacheDirectory: cache ?? template.resolve("%{homedir}/.pcocc/cache"), files: files)
    }

    /// Checks one repos.yaml against pcocc's schema: `repos` (required, a list of {name, path}) and
    /// `cache` ({path}); no other key anywhere.
    static func parse(
        _ text: String, file: String, template: PathTemplate
    ) throws(ImageRepoError) -> (repositories: [Entry], cache: String?) {
        func bad(_ key: String, _ problem: String) -> ImageRepoError {
            ImageRepoError(.badConfiguration, "\(file): \(key): \(problem)")
        }
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw ImageRepoError(.badConfiguration, "\(file): not valid YAML", underlying: ImageRepoCause("\(error)"))
        }
        guard let mapping = root?.mapping else { throw bad("(top level)", "expected a mapping with 'repos'") }
        var repositories: [Entry]?
        var cache: String?
        for (keyNode, value) in mapping {
            let key = keyNode.string ?? "\(keyNode)"
            switch key {
            case "repos":
                guard let items = value.sequence else { throw bad("repos", "expected a list of {name, path}") }
                repositories = []
                for (position, item) in items.enumerated() {
                    let fields = try stringFields(item, allowed: ["name", "path"], key: "repos[\(position)]", bad: bad)
                    let name = fields["name"] ?? ""
                    guard ImageName.isValidName(name) else {
                        throw bad("repos[\(position)].name", "'\(name)' is not a valid repository name")
                    }
                    repositories?.append(Entry(name: name, path: template.resolve(fields["path"] ?? ""), file: file))
                }
            case "cache":
                let fields = try stringFields(value, allowed: ["path"], key: "cache", bad: bad)
                cache = fields["path"].map(template.resolve)
            default:
                throw bad(key, "unknown key (only 'repos' and 'cache' are allowed)")
            }
        }
        guard let repositories else { throw bad("repos", "missing (required)") }
        return (repositories, cache)
    }

    /// A mapping whose keys are exactly `allowed`, all string scalars.
    private static func stringFields(
        _ node: Node, allowed: [String], key: String, bad: (String, String) -> ImageRepoError
    ) throws(ImageRepoError) -> [String: String] {
        guard let mapping = node.mapping else {
            throw bad(key, "expected a mapping with \(allowed.joined(separator: ", "))")
        }
        var fields: [String: String] = [:]
        for (fieldNode, value) in mapping {
            let field = fieldNode.string ?? "\(fieldNode)"
            guard allowed.contains(field) else { throw bad("\(key).\(field)", "unknown key") }
            guard let text = value.scalar?.string else { throw bad("\(key).\(field)", "expected a string") }
            fields[field] = text
        }
        for field in allowed where fields[field] == nil { throw bad("\(key).\(field)", "missing (required)") }
        return fields
    }
}
