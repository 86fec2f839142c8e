/// What one `internal vm` run needs, resolved from the site configuration and the command line.
public struct VMSettings: Sendable {
    public var jobDirectory: String
    public var jobID: String
    public var userID: UInt32
    public var imageDirectory: String
    public var libvirtURI: String
    /// nil: detect (KVM only where it really works).
    public var domainKind: DomainKind?
    public var resources: VMResources
    public var dataDiskGiB: Int
    public var scratchDirectory: String
    public var sharedDirectories: [String]
    public var dockerIptables: Bool
    public var bindAddress: String
    public var readyTimeoutSeconds: Int
    /// Print how long each start-up phase took (for bench/vm-ready).
    public var reportTimings: Bool
    /// The address clients use to reach this node, as the launcher put it in the server
    /// certificate (Slurm's NodeAddr); nil: the node's name or first address.
    public var advertisedHost: String?

    public init(
        jobDirectory: String, jobID: String, userID: UInt32, imageDirectory: String, libvirtURI: String,
        domainKind: DomainKind?, resources: VMResources, dataDiskGiB: Int, scratchDirectory: String,
        sharedDirectories: [String], dockerIptables: Bool, bindAddress: String, readyTimeoutSeconds: Int,
        reportTimings: Bool = false
    ) {
        self.jobDirectory = jobDirectory
        self.jobID = jobID
        self.userID = userID
        self.imageDirectory = imageDirectory
        self.libvirtURI = libvirtURI
        self.domainKind = domainKind
        self.resources = resources
        self.dataDiskGiB = dataDiskGiB
        self.scratchDirectory = scratchDirectory
        self.sharedDirectories = sharedDirectories
        self.dockerIptables = dockerIptables
        self.bindAddress = bindAddress
        self.readyTimeoutSeconds = readyTimeoutSeconds
        self.reportTimings = reportTimings
    }

    /// The job directory layout of CONTRACTS.md, as far as the VM step uses it.
    var job: JobDirectory { JobDirectory(path: jobDirectory, jobID: jobID) }
    var serverCertificates: String { job.serverCertificates }
    var clientCertificates: String { job.clientCertificates }
    var dockerDirectory: String { job.dockerDirectory }
    var endpointFile: String { job.endpointFile }
    var consoleLogPath: String { job.consoleLog }

    /// The address the readiness probe dials: the forwarded port on a wildcard bind is
    /// reachable on loopback, whose address the server certificate always names.
    var probeAddress: String {
        ["0.0.0.0", "::", ""].contains(bindAddress) ? "127.0.0.1" : bindAddress
    }
}
