import SiteConfig

/// The `opt/pcocc/config` file read by the guest init from fw_cfg at boot (CONTRACTS.md): KEY=VALUE lines,
/// `iptables=`, `network=`, `data-disk=persistent` when the data disk outlives the job, and the daemon's options.
/// Everything dockerd starts with and nothing of the job: a guest saved with this config can serve any job whose
/// config is the same (the job's own part is `GuestJob`).
public struct GuestConfig: Sendable, Equatable {
    public var dockerIptables: Bool
    /// Must agree with the domain's slirp options (VMSpec.network).
    public var network: NetworkMode
    public var daemon: GuestDaemonOptions
    /// The data disk is the user's persistent storage: the guest mounts it with data=journal, so that a VM killed
    /// mid-write leaves a prefix of what dockerd wrote (a layer registered is a layer whose files are there).
    public var persistentDataDisk: Bool

    public init(
        dockerIptables: Bool, network: NetworkMode = .nat, daemon: GuestDaemonOptions = GuestDaemonOptions(),
        persistentDataDisk: Bool = false
    ) {
        self.dockerIptables = dockerIptables
        self.network = network
        self.daemon = daemon
        self.persistentDataDisk = persistentDataDisk
    }

    /// 9p tags in the order of `mounts`, skipping repeated guest paths. Paths must be absolute and free of line
    /// breaks (each becomes one line of the job's record, `GuestJob`).
    public static func shares(for mounts: [DockerMount]) throws(VMError) -> [VMSpec.SharedDirectory] {
        var seen = Set<String>()
        var shares: [VMSpec.SharedDirectory] = []
        for mount in mounts where seen.insert(mount.destination).inserted {
            for path in [mount.source, mount.destination]
            where !path.hasPrefix("/") || path.contains(where: { $0.isNewline || $0 == "\0" }) {
                throw VMError(.invalidSetting, "shared directory '\(path)' must be an absolute path on one line")
            }
            shares.append(
                VMSpec.SharedDirectory(
                    tag: "pcoccfs\(shares.count)", hostPath: mount.source, guestPath: mount.destination))
        }
        return shares
    }

    public var contents: String {
        let lines =
            ["iptables=\(dockerIptables)", "network=\(network.rawValue)"]
            + (persistentDataDisk ? ["data-disk=persistent"] : []) + daemon.lines
        return lines.map { "\($0)\n" }.joined()
    }
}
