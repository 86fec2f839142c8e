/// pcocc-docker's own settings (pcocc-docker.yaml, a file pcocc does not read): where state lives, the VM, its
/// network and the timeouts.
public struct DockerSettings: Sendable, Equatable {
    /// state_dir: where the per-job directories (job_<ID>/) live; on a file system the nodes share.
    public var stateDirectory: String
    public var vm: VMSection
    public var network: NetworkSection
    public var storage: StorageSection
    public var images: ImagesSection
    public var timeouts: TimeoutSection

    public init(
        stateDirectory: String, vm: VMSection, network: NetworkSection, storage: StorageSection, images: ImagesSection,
        timeouts: TimeoutSection
    ) {
        self.stateDirectory = stateDirectory
        self.vm = vm
        self.network = network
        self.storage = storage
        self.images = images
        self.timeouts = timeouts
    }

    /// The built-in settings as written, before placeholder expansion.
    static let builtIn = DockerSettings(
        stateDirectory: "%{homedir}/.pcocc",
        vm: VMSection(
            imageDirectory: "/var/cache/pcocc-docker/guest/current", domainType: .auto, libvirtURI: "qemu:///session",
            cpus: .allocation, memoryMiB: .allocation, memoryPerCPUMiB: 2048, dataDiskGiB: 20,
            scratchDirectory: "/tmp", dockerIptables: false, bindAddress: .nodeAddress),
        network: NetworkSection(
            mode: .nat, registryMirrors: [], dns: [], httpProxy: nil, httpsProxy: nil, noProxy: nil),
        storage: StorageSection(persistent: false, path: "%{homedir}/.pcocc/docker-storage", sizeGiB: 50),
        images: ImagesSection(squashfsCompression: SquashfsCompressionSetting(kind: .none)),
        timeouts: TimeoutSection(vmReadySeconds: 300, jobStartSeconds: 0))
}

/// How a job's VM starts: restored from a guest saved with its dockerd up (saved on the node by the first job of its
/// shape), or booted every time.
public enum VMStart: String, Sendable, Equatable, CaseIterable {
    case restore, boot
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

/// Where the forwarded dockerd port listens on the node.
public enum BindAddress: Sendable, Equatable, CustomStringConvertible {
    /// Slurm's NodeAddr for the node: the address clients use and the server certificate names.
    case nodeAddress
    /// A numeric address of the node (0.0.0.0 or :: for all of them).
    case address(String)

    public var description: String {
        switch self {
        case .nodeAddress: return "node"
        case .address(let address): return address
        }
    }
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
    public var dockerIptables: Bool
    public var bindAddress: BindAddress
    public var start: VMStart = .restore

    public init(
        imageDirectory: String, domainType: DomainType, libvirtURI: String, cpus: ResourceSetting,
        memoryMiB: ResourceSetting, memoryPerCPUMiB: Int, dataDiskGiB: Int, scratchDirectory: String,
        dockerIptables: Bool, bindAddress: BindAddress
    ) {
        self.imageDirectory = imageDirectory
        self.domainType = domainType
        self.libvirtURI = libvirtURI
        self.cpus = cpus
        self.memoryMiB = memoryMiB
        self.memoryPerCPUMiB = memoryPerCPUMiB
        self.dataDiskGiB = dataDiskGiB
        self.scratchDirectory = scratchDirectory
        self.dockerIptables = dockerIptables
        self.bindAddress = bindAddress
    }
}

/// Whether the VM and its containers reach the node's network.
public enum NetworkMode: String, Sendable, Equatable, CaseIterable {
    /// The daemon and its containers reach what the node reaches (outbound NAT).
    case nat
    /// Isolated: the guest reaches nothing; only the forwarded dockerd port is open.
    case none
}

/// The `network` section: the VM's network and the daemon's registries, proxies and DNS.
public struct NetworkSection: Sendable, Equatable {
    public var mode: NetworkMode
    /// Registry mirrors for Docker Hub (http:// or https:// URLs).
    public var registryMirrors: [String]
    /// DNS servers for containers (IP addresses); empty: the node's resolver, through the VM.
    public var dns: [String]
    /// The daemon's proxies; nil takes the submitting environment's HTTP_PROXY/HTTPS_PROXY/NO_PROXY, "" none.
    public var httpProxy: String?
    public var httpsProxy: String?
    public var noProxy: String?

    public init(
        mode: NetworkMode, registryMirrors: [String], dns: [String], httpProxy: String?, httpsProxy: String?,
        noProxy: String?
    ) {
        self.mode = mode
        self.registryMirrors = registryMirrors
        self.dns = dns
        self.httpProxy = httpProxy
        self.httpsProxy = httpsProxy
        self.noProxy = noProxy
    }
}

/// The `storage` section: docker's own storage (/var/lib/docker: images, volumes, build cache) kept from one job to
/// the next, on a shared path, one job at a time.
public struct StorageSection: Sendable, Equatable {
    /// Off: each job starts with an empty /var/lib/docker on node scratch.
    public var persistent: Bool
    /// The directory of the disk (docker-data.img, sparse) and its lock, on a file system every node shares.
    public var path: String
    /// The disk's size limit, in GiB.
    public var sizeGiB: Int

    public init(persistent: Bool, path: String, sizeGiB: Int) {
        self.persistent = persistent
        self.path = path
        self.sizeGiB = sizeGiB
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
