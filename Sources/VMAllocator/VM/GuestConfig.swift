/// How the guest reaches the network: the `network=` line of the guest's config, and slirp's
/// options in the domain XML.
public enum GuestNetwork: String, Sendable, Equatable, CaseIterable {
    /// dockerd and its containers reach what the node reaches: slirp without `restrict`, and the
    /// guest init NATs containers' traffic out of the VM's interface.
    case nat
    /// Isolated (slirp `restrict=on`): only the forwarded dockerd port reaches the VM.
    case none
}

/// The `opt/pcocc/config` file read by the guest init from fw_cfg (CONTRACTS.md): KEY=VALUE
/// lines, one `mount=<tag>:<path>` per shared directory, then `iptables=`, `network=` and the
/// daemon's options.
public struct GuestConfig: Sendable, Equatable {
    public var shares: [VMSpec.SharedDirectory]
    public var dockerIptables: Bool
    public var network: GuestNetwork
    public var daemon: GuestDaemonOptions

    public init(
        shares: [VMSpec.SharedDirectory], dockerIptables: Bool, network: GuestNetwork = .nat,
        daemon: GuestDaemonOptions = GuestDaemonOptions()
    ) {
        self.shares = shares
        self.dockerIptables = dockerIptables
        self.network = network
        self.daemon = daemon
    }

    /// 9p tags in the order of `directories`, skipping duplicates. Paths must be absolute and
    /// free of line breaks (each becomes one config line in the guest).
    public static func shares(for directories: [String]) throws(VMError) -> [VMSpec.SharedDirectory] {
        var seen = Set<String>()
        var shares: [VMSpec.SharedDirectory] = []
        for directory in directories where seen.insert(directory).inserted {
            guard directory.hasPrefix("/"), !directory.contains(where: { $0.isNewline || $0 == "\0" }) else {
                throw VMError(.invalidSetting, "shared directory '\(directory)' must be an absolute path on one line")
            }
            shares.append(VMSpec.SharedDirectory(tag: "pcoccfs\(shares.count)", hostPath: directory))
        }
        return shares
    }

    public var contents: String {
        let lines = shares.map { "mount=\($0.tag):\($0.hostPath)" }
            + ["iptables=\(dockerIptables)", "network=\(network.rawValue)"] + daemon.lines
        return lines.map { "\($0)\n" }.joined()
    }
}
