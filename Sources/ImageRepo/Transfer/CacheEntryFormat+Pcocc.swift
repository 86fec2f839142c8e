import Foundation
import Yams

extension CacheEntryFormat {
    /// pcocc's `runtime.image_driver` and `runtime.image_mountpoints` from its containers.yaml files: the system
    /// one (`$PCOCC_SYSTEM_CONF_DIR`, default /etc/pcocc), then the user's (`$PCOCC_USER_CONF_DIR`, default
    /// ~/.pcocc), a key of the user's replacing the system's. Only these two keys are read and checked here; the rest
    /// of pcocc's file is pcocc's (and the settings loader's). Missing files and keys leave pcocc's defaults.
    /// Interim home until the project's one settings loader reads containers.yaml: it should then pass the values in.
    public static func pcoccRuntime(
        environment: [String: String] = ProcessInfo.processInfo.environment, compression: SquashfsCompression = .stored
    ) throws(ImageRepoError) -> CacheEntryFormat {
        let template = PathTemplate(environment: environment)
        let directories = [
            template.resolve(environment["PCOCC_SYSTEM_CONF_DIR"] ?? "/etc/pcocc/"),
            template.resolve(environment["PCOCC_USER_CONF_DIR"] ?? "%homedir/.pcocc/"),
        ]
        var format = CacheEntryFormat(compression: compression)
        for directory in directories {
            let file = (directory as NSString).appendingPathComponent("containers.yaml")
            guard FileManager.default.fileExists(atPath: file) else { continue }
            try apply(file, to: &format)
        }
        return format
    }

    private static func apply(_ file: String, to format: inout CacheEntryFormat) throws(ImageRepoError) {
        func bad(_ key: String, _ problem: String) -> ImageRepoError {
            ImageRepoError(.badConfiguration, "\(file): runtime.\(key): \(problem)")
        }
        let root: Node?
        do {
            root = try Yams.compose(yaml: try String(contentsOfFile: file, encoding: .utf8))
        } catch {
            throw ImageRepoError(.badConfiguration, "\(file): cannot be read as YAML", underlying: ImageRepoCause("\(error)"))
        }
        guard let runtime = root?.mapping?["runtime"] else { return }
        guard let settings = runtime.mapping else {
            throw ImageRepoError(.badConfiguration, "\(file): runtime: expected a mapping")
        }
        if let driver = settings["image_driver"] {
            guard let name = driver.scalar?.string, let parsed = Driver(rawValue: name) else {
                throw bad("image_driver", "expected flat or squashfs")
            }
            format.driver = parsed
        }
        if let mountPoints = settings["image_mountpoints"] {
            guard let items = mountPoints.sequence?.map({ $0.scalar?.string }), !items.contains(nil) else {
                throw bad("image_mountpoints", "expected a list of paths")
            }
            format.mountPoints = items.compactMap { $0 }
        }
    }
}
