import Foundation
import HostSystem

/// Everything pcocc-docker reads from configuration files, from the one loader that names the file and the key
/// when something is wrong:
/// - pcocc's own containers.yaml (`runtime` section), shared with pcocc: `$PCOCC_SYSTEM_CONF_DIR/containers.yaml`
///   (default /etc/pcocc) then `$PCOCC_USER_CONF_DIR/containers.yaml` (default ~/.pcocc), read with pcocc's schema;
/// - pcocc-docker's own settings, in a file pcocc does not read: the site's (`$PCOCC_DOCKER_SITE_CONFIG`, else
///   /etc/pcocc-docker/pcocc-docker.yaml) then the user's (`$PCOCC_USER_CONF_DIR/pcocc-docker.yaml`).
/// Later files override earlier ones key by key; a missing file changes nothing, except a site file named by
/// `$PCOCC_DOCKER_SITE_CONFIG`, which must exist.
public struct SiteConfiguration: Sendable, Equatable {
    public var pcocc: PcoccRuntime
    public var settings: DockerSettings
    /// The directories shared with the VM: pcocc's `docker_mounts`, else the user's home directory.
    public var sharedDirectories: [DockerMount]
    /// The files that were read, in order.
    public var files: [String]

    public init(pcocc: PcoccRuntime, settings: DockerSettings, sharedDirectories: [DockerMount], files: [String] = []) {
        self.pcocc = pcocc
        self.settings = settings
        self.sharedDirectories = sharedDirectories
        self.files = files
    }

    public var stateDirectory: String { settings.stateDirectory }
    public var vm: VMSection { settings.vm }
    public var network: NetworkSection { settings.network }
    public var storage: StorageSection { settings.storage }
    public var images: ImagesSection { settings.images }
    public var timeouts: TimeoutSection { settings.timeouts }

    public static let defaultSiteFile = "/etc/pcocc-docker/pcocc-docker.yaml"
    public static let settingsFileName = "pcocc-docker.yaml"
    public static let containersFileName = "containers.yaml"

    /// Built-in settings and pcocc's defaults, expanded for this process's user, without reading any file.
    public static let defaults: SiteConfiguration = {
        let environment = ProcessInfo.processInfo.environment
        let template = PathTemplate(environment: environment)
        let settings = (try? expanded(DockerSettings.builtIn, template: template)) ?? DockerSettings.builtIn
        let home = UserAccount.current(environment: environment).home
        return SiteConfiguration(
            pcocc: .defaults, settings: settings, sharedDirectories: [DockerMount(source: home)])
    }()

    public static func load(
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ConfigError) -> SiteConfiguration {
        let template = PathTemplate(environment: environment)
        let systemDirectory = template.resolve(nonEmpty(environment["PCOCC_SYSTEM_CONF_DIR"]) ?? "/etc/pcocc")
        let userDirectory = template.resolve(nonEmpty(environment["PCOCC_USER_CONF_DIR"]) ?? "%{homedir}/.pcocc")
        var files: [String] = []

        var pcocc = PcoccRuntime.defaults
        for file in [systemDirectory, userDirectory].map({ "\($0)/\(containersFileName)" }) {
            guard let yaml = try read(file, required: false) else { continue }
            pcocc = try ContainersReader(fields: YAMLFields(file: file, template: template)).apply(yaml, to: pcocc)
            files.append(file)
        }

        var settings = try expanded(DockerSettings.builtIn, template: template)
        let namedSite = nonEmpty(environment["PCOCC_DOCKER_SITE_CONFIG"])
        let settingsFiles = [
            (namedSite ?? defaultSiteFile, namedSite != nil), ("\(userDirectory)/\(settingsFileName)", false),
        ]
        for (file, required) in settingsFiles {
            guard let yaml = try read(file, required: required) else { continue }
            settings = try SettingsReader(fields: YAMLFields(file: file, template: template)).apply(yaml, to: settings)
            files.append(file)
        }
        let home = UserAccount.current(environment: environment).home
        return SiteConfiguration(
            pcocc: pcocc, settings: settings, sharedDirectories: pcocc.dockerMounts ?? [DockerMount(source: home)],
            files: files)
    }

    /// This process's configuration, read from its environment once: the start-up sweep and the command share one
    /// reading (reading the files twice was a sixth of `pcocc-docker env`'s time). The error, too, is kept.
    public static func loadedForProcess() throws(ConfigError) -> SiteConfiguration {
        try processConfiguration.get()
    }

    private static let processConfiguration = Result { () throws(ConfigError) in
        try load(environment: ProcessEnvironment.atStart)
    }

    /// `base` with the keys present in `yaml` (a pcocc-docker.yaml) replaced; `file` names it in errors.
    public static func parseSettings(
        yaml: String, file: String, over base: DockerSettings, environment: [String: String]
    ) throws(ConfigError) -> DockerSettings {
        try SettingsReader(fields: YAMLFields(file: file, template: PathTemplate(environment: environment)))
            .apply(yaml, to: base)
    }

    /// `base` with the `runtime` keys present in `yaml` (a pcocc containers.yaml) replaced.
    public static func parseContainers(
        yaml: String, file: String, over base: PcoccRuntime, environment: [String: String]
    ) throws(ConfigError) -> PcoccRuntime {
        try ContainersReader(fields: YAMLFields(file: file, template: PathTemplate(environment: environment)))
            .apply(yaml, to: base)
    }

    /// The file's text; nil when it does not exist and is not required. As pcocc's `os.path.exists`, a file in a
    /// directory this user cannot search counts as absent; one that exists but cannot be read is an error.
    private static func read(_ file: String, required: Bool) throws(ConfigError) -> String? {
        var info = stat()
        if !required && stat(file, &info) != 0 { return nil }
        do {
            return try String(contentsOfFile: file, encoding: .utf8)
        } catch let error as CocoaError where error.code == .fileReadNoSuchFile {
            guard required else { return nil }
            throw ConfigError(
                file: file, key: "",
                message: "does not exist (named by PCOCC_DOCKER_SITE_CONFIG): create it or unset the variable")
        } catch {
            let reason = (error as? CocoaError)?.underlying.map { "\($0.localizedDescription)" } ?? "\(error)"
            throw ConfigError(file: file, key: "", message: "cannot read: \(reason)")
        }
    }

    /// Every placeholder of the built-in settings expanded, as a file's values are when read.
    static func expanded(_ settings: DockerSettings, template: PathTemplate) throws(ConfigError) -> DockerSettings {
        let fields = YAMLFields(file: "built-in defaults", template: template)
        var result = settings
        result.stateDirectory = try fields.absolute(
            try fields.expand(settings.stateDirectory, at: "state_dir"), at: "state_dir")
        result.vm.imageDirectory = try fields.expand(settings.vm.imageDirectory, at: "vm.image_dir")
        result.vm.scratchDirectory = try fields.expand(settings.vm.scratchDirectory, at: "vm.scratch_dir")
        result.vm.libvirtURI = try fields.expand(settings.vm.libvirtURI, at: "vm.libvirt_uri")
        result.storage.path = try fields.expand(settings.storage.path, at: "storage.path")
        return result
    }

    private static func nonEmpty(_ value: String?) -> String? {
        value.flatMap { $0.isEmpty ? nil : $0 }
    }
}
