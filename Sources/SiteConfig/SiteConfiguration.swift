import Foundation

/// The settings of etc/containers.yaml: the site's file, overridden key by key by the user's.
public struct SiteConfiguration: Sendable, Equatable {
    /// state_dir: where the per-job directories (job_<ID>/) live.
    public var stateDirectory: String
    public var vm: VMSection
    public var timeouts: TimeoutSection

    public init(stateDirectory: String, vm: VMSection, timeouts: TimeoutSection) {
        self.stateDirectory = stateDirectory
        self.vm = vm
        self.timeouts = timeouts
    }

    /// Where the site file is read when $PCOCC_DOCKER_SITE_CONFIG is not set.
    public static let defaultSiteFile = "/etc/pcocc-docker/containers.yaml"

    /// The built-in settings, placeholders expanded for this process's user.
    public static let defaults: SiteConfiguration = {
        let environment = ProcessInfo.processInfo.environment
        if let expanded = try? builtIn.expanded(environment: environment) { return expanded }
        // Neither HOME nor a password entry: "/" keeps the paths absolute rather than leaving %{homedir}.
        return (try? builtIn.expanded(environment: environment.merging(["HOME": "/"]) { $1 })) ?? builtIn
    }()

    /// The built-in settings as written, before %{...} expansion.
    static let builtIn = SiteConfiguration(
        stateDirectory: "%{homedir}/.pcocc",
        vm: VMSection(
            imageDirectory: "/var/cache/pcocc-docker/guest/current", domainType: .auto, libvirtURI: "qemu:///session",
            cpus: .allocation, memoryMiB: .allocation, memoryPerCPUMiB: 2048, dataDiskGiB: 20,
            scratchDirectory: "/tmp", sharedDirectories: ["%{homedir}"], dockerIptables: false,
            bindAddress: "0.0.0.0"),
        timeouts: TimeoutSection(vmReadySeconds: 300, jobStartSeconds: 0))

    /// The built-in defaults, overridden by the site file ($PCOCC_DOCKER_SITE_CONFIG, else
    /// /etc/pcocc-docker/containers.yaml), overridden by the user's file ($PCOCC_USER_CONF_DIR/containers.yaml,
    /// else ~/.pcocc/containers.yaml). A file that does not exist changes nothing.
    public static func load(
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ConfigError) -> SiteConfiguration {
        var configuration = try builtIn.expanded(environment: environment)
        let siteFile = environment["PCOCC_DOCKER_SITE_CONFIG"].flatMap { $0.isEmpty ? nil : $0 } ?? defaultSiteFile
        let userDirectory = environment["PCOCC_USER_CONF_DIR"].flatMap { $0.isEmpty ? nil : $0 }
            ?? "\(Expansion(environment: environment).homeDirectory() ?? "/")/.pcocc"
        for file in [siteFile, "\(userDirectory)/containers.yaml"] {
            guard let yaml = try read(file) else { continue }
            configuration = try parse(yaml: yaml, file: file, over: configuration, environment: environment)
        }
        return configuration
    }

    /// `base` with the keys present in `yaml` replaced; `file` names the source in errors.
    public static func parse(
        yaml: String, file: String, over base: SiteConfiguration, environment: [String: String]
    ) throws(ConfigError) -> SiteConfiguration {
        let reader = ConfigReader(file: file, expansion: Expansion(environment: environment))
        return try reader.apply(try reader.compose(yaml), to: base)
    }

    /// The file's text, or nil when it does not exist.
    private static func read(_ file: String) throws(ConfigError) -> String? {
        do {
            return try String(contentsOfFile: file, encoding: .utf8)
        } catch let error as CocoaError where error.code == .fileReadNoSuchFile {
            return nil
        } catch {
            let reason = (error as? CocoaError)?.underlying.map { "\($0.localizedDescription)" } ?? "\(error)"
            throw ConfigError(file: file, key: "", message: "cannot read: \(reason)")
        }
    }

    /// Every string placeholder expanded, the way a file's values are when they are read.
    func expanded(environment: [String: String]) throws(ConfigError) -> SiteConfiguration {
        let reader = ConfigReader(file: "built-in defaults", expansion: Expansion(environment: environment))
        var result = self
        result.stateDirectory = try reader.expandPath(stateDirectory, at: "state_dir")
        result.vm.imageDirectory = try reader.expandPath(vm.imageDirectory, at: "vm.image_dir")
        result.vm.scratchDirectory = try reader.expandPath(vm.scratchDirectory, at: "vm.scratch_dir")
        result.vm.libvirtURI = try reader.expandString(vm.libvirtURI, at: "vm.libvirt_uri")
        result.vm.sharedDirectories = []
        for (index, directory) in vm.sharedDirectories.enumerated() {
            result.vm.sharedDirectories.append(try reader.expandPath(directory, at: "vm.shared_dirs[\(index)]"))
        }
        return result
    }
}

/// How the guest runs: kvm needs /dev/kvm, qemu is emulation, auto picks kvm when it is usable.
public enum DomainType: String, Sendable, Equatable, CaseIterable {
    case auto, kvm, qemu
}

/// A VM size taken from the Slurm allocation or fixed by the site.
public enum ResourceSetting: Sendable, Equatable {
    case allocation
    case fixed(Int)
}

/// The `vm` section.
public struct VMSection: Sendable, Equatable {
    public var imageDirectory: String
    public var domainType: DomainType
    public var libvirtURI: String
    public var cpus: ResourceSetting
    public var memoryMiB: ResourceSetting
    /// Used when `memoryMiB` is `.allocation` and the allocation states no memory.
    public var memoryPerCPUMiB: Int
    public var dataDiskGiB: Int
    /// Node-local directory for the VM's overlay and data disk.
    public var scratchDirectory: String
    /// Host directories mounted at the same path in the guest; absolute after expansion.
    public var sharedDirectories: [String]
    public var dockerIptables: Bool
    /// The node address the forwarded dockerd port listens on.
    public var bindAddress: String

    public init(
        imageDirectory: String, domainType: DomainType, libvirtURI: String, cpus: ResourceSetting,
        memoryMiB: ResourceSetting, memoryPerCPUMiB: Int, dataDiskGiB: Int, scratchDirectory: String,
        sharedDirectories: [String], dockerIptables: Bool, bindAddress: String
    ) {
        self.imageDirectory = imageDirectory
        self.domainType = domainType
        self.libvirtURI = libvirtURI
        self.cpus = cpus
        self.memoryMiB = memoryMiB
        self.memoryPerCPUMiB = memoryPerCPUMiB
        self.dataDiskGiB = dataDiskGiB
        self.scratchDirectory = scratchDirectory
        self.sharedDirectories = sharedDirectories
        self.dockerIptables = dockerIptables
        self.bindAddress = bindAddress
    }
}

/// The `timeouts` section, in seconds.
public struct TimeoutSection: Sendable, Equatable {
    /// How long the VM may take from the start of its Slurm step to answering a TLS ping.
    public var vmReadySeconds: Int
    /// How long to wait for Slurm to start the job; 0 waits as long as it stays queued.
    public var jobStartSeconds: Int

    public init(vmReadySeconds: Int, jobStartSeconds: Int) {
        self.vmReadySeconds = vmReadySeconds
        self.jobStartSeconds = jobStartSeconds
    }
}
