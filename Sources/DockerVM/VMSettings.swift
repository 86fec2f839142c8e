import HostSystem
import SiteConfig
import VMAllocator

/// What one VM step needs, resolved from the configuration and the step's command line.
public struct VMSettings: Sendable {
    /// The job's state directory (certificates in, endpoint and console out).
    public var job: JobDirectory
    public var userID: UInt32
    public var imageDirectory: String
    public var libvirtURI: String
    /// nil: detect (KVM only where it really works).
    public var domainKind: DomainKind?
    public var resources: VMResources
    public var dataDiskGiB: Int
    /// Docker's storage kept across jobs, or nil for a fresh data disk on node scratch.
    public var persistentStorage: StorageSection?
    public var scratchDirectory: String
    /// Host directories shared with the guest, each mounted at its destination there.
    public var shares: [DockerMount]
    public var dockerIptables: Bool
    /// Whether the VM and its containers reach the node's network, and what its dockerd is told about registries,
    /// name servers and proxies.
    public var network: NetworkMode = .nat
    public var daemon = GuestDaemonOptions()
    /// Restore a saved guest when one fits (saving one when none does), or always boot.
    public var start: VMStart = .restore
    /// The numeric node address the forwarded dockerd port listens on.
    public var bindAddress: String
    /// The address clients use to reach this node, as the launcher put it in the server certificate (Slurm's
    /// NodeAddr); nil: the node's name or first address.
    public var advertisedHost: String?
    public var readyTimeoutSeconds: Int
    /// Print how long each start-up phase took (for bench/vm-ready).
    public var reportTimings: Bool

    public init(
        job: JobDirectory, userID: UInt32, imageDirectory: String, libvirtURI: String, domainKind: DomainKind?,
        resources: VMResources, dataDiskGiB: Int, scratchDirectory: String, shares: [DockerMount],
        dockerIptables: Bool, bindAddress: String, advertisedHost: String? = nil, readyTimeoutSeconds: Int,
        reportTimings: Bool = false
    ) {
        self.job = job
        self.userID = userID
        self.imageDirectory = imageDirectory
        self.libvirtURI = libvirtURI
        self.domainKind = domainKind
        self.resources = resources
        self.dataDiskGiB = dataDiskGiB
        self.persistentStorage = nil
        self.scratchDirectory = scratchDirectory
        self.shares = shares
        self.dockerIptables = dockerIptables
        self.bindAddress = bindAddress
        self.advertisedHost = advertisedHost
        self.readyTimeoutSeconds = readyTimeoutSeconds
        self.reportTimings = reportTimings
    }

    /// The address the readiness probe dials: the forwarded port on a wildcard bind is reachable on loopback,
    /// whose address the server certificate always names.
    var probeAddress: String {
        HostNetwork.isWildcard(bindAddress) ? "127.0.0.1" : bindAddress
    }
}
