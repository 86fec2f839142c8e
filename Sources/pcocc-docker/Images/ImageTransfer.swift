import CLISupport
import DockerClient
import Foundation
import HostSystem
import ImageRepo
import SiteConfig
import SkopeoBridge

/// skopeo between one job's daemon and the pcocc repositories, for export, import, edit and build: the work itself
/// (layouts, verification, cache entry, store) is ImageRepo's.
struct ImageTransfer: Sendable {
    let repositories: ImageRepositories
    /// The cache entry pcocc runs imported images from.
    let format: CacheEntryFormat
    let daemon: DaemonEndpoint
    let skopeo: Skopeo
    /// skopeo's progress and our figures on a terminal; quiet otherwise.
    let showProgress: Bool

    init(daemon: DaemonEndpoint, repositories: ImageRepositories? = nil, configuration: SiteConfiguration) throws {
        let repositories = try repositories ?? ImageRepositories.load()
        self.repositories = repositories
        self.format = CacheEntryFormat(configuration)
        self.daemon = daemon
        self.skopeo = try Skopeo()
        self.showProgress = isatty(STDERR_FILENO) == 1
    }

    /// Loads the stored image into the daemon as `reference` (its layout is rebuilt by links, not copied).
    func export(_ image: StoredImage, as reference: DaemonImageReference) async throws {
        let (skopeo, daemon, showProgress) = (skopeo, daemon, showProgress)
        try await image.withOCILayout { layout in
            try await skopeo.copyToDaemon(layout: layout, image: reference, daemon: daemon, showProgress: showProgress)
        }
    }

    /// Refuses an existing `name` early, before any copying, unless `force`.
    func checkDestination(_ name: ImageName, force: Bool) throws {
        try ImageImport(repositories: repositories).checkDestination(name, force: force)
    }

    /// Stores the daemon's image `reference` as `name` (the next revision with `force`), with its cache entry.
    @discardableResult
    func importImage(_ reference: DaemonImageReference, as name: ImageName, force: Bool) async throws -> StoredImage {
        let (skopeo, daemon, showProgress) = (skopeo, daemon, showProgress)
        let importer = ImageImport(repositories: repositories, format: format)
        let meter: (any ConversionMeter)? = showProgress ? ConversionProgressBar() : nil
        let imported = try await importer.run(as: name, force: force, progress: { progress($0) }, meter: meter) {
            layout in
            try await skopeo.copyFromDaemon(
                image: reference, daemon: daemon, layout: layout, showProgress: showProgress)
        }
        if showProgress {
            let stats = imported.stats
            let skipped = stats.skipped > 0 ? ", \(stats.skipped) device nodes skipped" : ""
            let figures = String(
                format: "  %d layers, %.1f MB, %d entries in %.1f s", stats.layers, Double(stats.bytesIn) / 1_000_000,
                stats.entries, stats.seconds)
            progress(figures + skipped)
        }
        return imported.image
    }
}
