import Foundation

/// All configured repositories in priority order (user's first), and the cache: where names are looked up.
public final class ImageRepositories: Sendable {
    public let repositories: [Repository]
    public let cacheDirectory: String

    public var cache: ImageCache { ImageCache(directory: cacheDirectory) }

    /// The first repository: where images go when no `REPO:` is given.
    public var defaultRepository: Repository { repositories[0] }

    /// Opens (creating where pcocc would) every configured repository.
    public init(configuration: RepositoryConfiguration) throws(ImageRepoError) {
        guard !configuration.repositories.isEmpty else {
            throw ImageRepoError(.badConfiguration, "No repository configured")
        }
        var repositories: [Repository] = []
        for entry in configuration.repositories {
            repositories.append(try Repository(name: entry.name, path: entry.path))
        }
        self.repositories = repositories
        self.cacheDirectory = configuration.cacheDirectory
    }

    /// Reads repos.yaml as pcocc does and opens the repositories.
    public static func load(
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ImageRepoError) -> ImageRepositories {
        try ImageRepositories(configuration: RepositoryConfiguration.load(environment: environment))
    }

    public func repository(named name: String) throws(ImageRepoError) -> Repository {
        guard let repository = repositories.first(where: { $0.name == name }) else {
            throw ImageRepoError(.unknownRepository, "Unknown repository \(name) (configured: \(names))")
        }
        return repository
    }

    /// Where an image named `name` is stored: its `REPO:` or the default repository.
    public func destination(for name: ImageName) throws(ImageRepoError) -> Repository {
        guard let repositoryName = name.repository else { return defaultRepository }
        return try checkedRepository(repositoryName, in: name)
    }

    /// The image `name` refers to: in its repository, or the first repository holding it (as pcocc's
    /// get_meta: a repository without that revision is skipped).
    public func find(_ name: ImageName) throws(ImageRepoError) -> StoredImage {
        if let repositoryName = name.repository {
            return try checkedRepository(repositoryName, in: name).image(named: name.name, revision: name.revision)
        }
        for repository in repositories {
            do throws(ImageRepoError) {
                return try repository.image(named: name.name, revision: name.revision)
            } catch  where error.code == .notFound {
                continue
            }
        }
        let revisionText = name.revision.map { " revision \($0)" } ?? ""
        throw ImageRepoError(
            .notFound, "Object \(name.name)\(revisionText) not found in configured repositories (\(names))")
    }

    /// Parses `[REPO:]NAME[@REVISION]` and finds it.
    public func find(_ text: String) throws(ImageRepoError) -> StoredImage {
        try find(ImageName(parsing: text))
    }

    /// Every image revision of one repository, or of all in priority order.
    public func list(repository name: String? = nil) throws(ImageRepoError) -> [StoredImage] {
        var selected = repositories
        if let name { selected = [try repository(named: name)] }
        var images: [StoredImage] = []
        for repository in selected { images += try repository.images() }
        return images
    }

    /// Repositories other than `repository` that hold an image called `name`: pcocc warns when storing
    /// such a name ("an image with name N already exists in another repo (R)").
    public func otherRepositories(holding name: String, besides repository: Repository) -> [Repository] {
        repositories.filter { $0 !== repository && $0.contains(name) }
    }

    private var names: String { repositories.map(\.name).joined(separator: ", ") }

    /// A `REPO:` that names no repository is most often a docker `NAME:TAG`: say so.
    private func checkedRepository(_ repositoryName: String, in name: ImageName) throws(ImageRepoError) -> Repository {
        guard let repository = repositories.first(where: { $0.name == repositoryName }) else {
            throw ImageRepoError(
                .unknownRepository,
                "Unknown repository \(repositoryName) in image name '\(name)' (configured: \(names)); "
                    + "pcocc names images [REPO:]NAME[@REVISION], a docker-style NAME:TAG is not one")
        }
        return repository
    }
}
