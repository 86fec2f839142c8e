import ImageRepo
import SiteConfig

extension CacheEntryFormat {
    /// What pcocc will look for in its cache (containers.yaml's `runtime.image_driver` and `image_mountpoints`), with
    /// pcocc-docker's own `images.squashfs_compression`.
    init(_ configuration: SiteConfiguration) {
        self.init(
            driver: configuration.pcocc.imageDriver == .squashfs ? .squashfs : .flat,
            mountPoints: configuration.pcocc.imageMountpoints,
            compression: SquashfsCompression(configuration.images.squashfsCompression))
    }
}

extension SquashfsCompression {
    init(_ setting: SquashfsCompressionSetting) {
        switch setting.kind {
        case .none: self = .stored
        case .gzip: self = .gzip(level: setting.level)
        case .zstd: self = .zstd(level: setting.level)
        }
    }
}
