import SiteConfig

/// Everything the domain XML says about one docker VM, already resolved to concrete values.
public struct VMSpec: Sendable, Equatable {
    /// A file handed to the guest through fw_cfg (read there at /sys/firmware/qemu_fw_cfg/by_name/<name>/raw).
    public struct FirmwareFile: Sendable, Equatable {
        public var name: String
        public var path: String

        public init(name: String, path: String) {
            self.name = name
            self.path = path
        }
    }

    /// A host directory shared over 9p under `tag`, mounted at `guestPath` in the guest.
    public struct SharedDirectory: Sendable, Equatable {
        public var tag: String
        public var hostPath: String
        public var guestPath: String

        public init(tag: String, hostPath: String, guestPath: String? = nil) {
            self.tag = tag
            self.hostPath = hostPath
            self.guestPath = guestPath ?? hostPath
        }
    }

    public var name: String
    /// Fixed for a saved guest (a restore must name the saved domain's UUID); nil: libvirt makes one up.
    public var uuid: String?
    public var kind: DomainKind
    public var cpus: Int
    public var memoryMiB: Int
    public var kernelPath: String
    public var initrdPath: String
    public var kernelCommandLine: String
    public var rootDiskPath: String
    public var dataDiskPath: String
    /// The data disk outlives the VM (persistent storage): writes must reach it when the guest flushes them.
    public var dataDiskIsPersistent: Bool = false
    /// qcow2 for a restored guest's copy-on-write view of the saved data disk.
    public var dataDiskFormat = "raw"
    /// Raw, read-only in the guest: the job's record (`JobDisk`).
    public var jobDiskPath: String
    public var consoleLogPath: String
    public var firmwareFiles: [FirmwareFile]
    public var sharedDirectories: [SharedDirectory]
    /// Host address and port that slirp forwards to the guest's dockerd (2376).
    public var forwardAddress: String
    public var forwardPort: Int
    /// Must agree with the guest config's `network=` line.
    public var network: NetworkMode

    public init(
        name: String, kind: DomainKind, cpus: Int, memoryMiB: Int,
        kernelPath: String, initrdPath: String, kernelCommandLine: String,
        rootDiskPath: String, dataDiskPath: String, jobDiskPath: String, consoleLogPath: String,
        firmwareFiles: [FirmwareFile], sharedDirectories: [SharedDirectory],
        forwardAddress: String, forwardPort: Int, network: NetworkMode = .nat
    ) {
        self.name = name
        self.kind = kind
        self.cpus = cpus
        self.memoryMiB = memoryMiB
        self.kernelPath = kernelPath
        self.initrdPath = initrdPath
        self.kernelCommandLine = kernelCommandLine
        self.rootDiskPath = rootDiskPath
        self.dataDiskPath = dataDiskPath
        self.jobDiskPath = jobDiskPath
        self.consoleLogPath = consoleLogPath
        self.firmwareFiles = firmwareFiles
        self.sharedDirectories = sharedDirectories
        self.forwardAddress = forwardAddress
        self.forwardPort = forwardPort
        self.network = network
    }

    /// The libvirt domain name of a job's VM: unique per job and user on a node.
    public static func domainName(jobID: String, userID: UInt32) -> String {
        "pcocc-docker-\(jobID)-\(userID)"
    }
}

/// The libvirt domain type: hardware virtualisation or QEMU's TCG emulation.
public enum DomainKind: String, Sendable, Equatable {
    case kvm
    case qemu

    /// The most vCPUs a guest of this kind gets: one when emulated. QEMU runs each vCPU of an emulated guest on a
    /// thread of its own (MTTCG), and the guest kernel patches its own code at run time (static keys, through int3
    /// breakpoints): another vCPU can take such an int3 after the patch is done, and the kernel panics. Seen in CI:
    /// "Oops: int3" in hash_conntrack_raw, then in kmem_cache_alloc under cgroup_mkdir (docker's first cgroup).
    /// libvirt cannot ask for single-threaded TCG (its <tcg> element sets the cache size only).
    public var maximumVCPUs: Int? { self == .qemu ? 1 : nil }

    /// `requested` within `maximumVCPUs`.
    public func vcpus(requested: Int) -> Int { min(requested, maximumVCPUs ?? requested) }
}
