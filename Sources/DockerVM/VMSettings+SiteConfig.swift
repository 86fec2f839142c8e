import Foundation
import HostSystem
import SiteConfig
import VMAllocator

extension VMSettings {
    /// The settings of one VM step: the configuration, with the step's own values (nil when not given) taking
    /// precedence, `allocation` sizes read from the Slurm step's environment, and the bind address resolved to a
    /// numeric address of this node.
    public init(
        configuration: SiteConfiguration, job: JobDirectory, nodeAddress: String?, cpus: Int?, memoryMiB: Int?,
        readyTimeoutSeconds: Int?, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(VMError) {
        let vm = configuration.vm
        let resources = VMResources.resolve(
            cpus: cpus ?? Self.fixed(vm.cpus), memoryMiB: memoryMiB ?? Self.fixed(vm.memoryMiB),
            memoryPerCPUMiB: vm.memoryPerCPUMiB, environment: environment)
        let kind: DomainKind? =
            switch vm.domainType {
            case .auto: nil
            case .kvm: .kvm
            case .qemu: .qemu
            }
        self.init(
            job: job, userID: getuid(), imageDirectory: vm.imageDirectory, libvirtURI: vm.libvirtURI, domainKind: kind,
            resources: resources, dataDiskGiB: vm.dataDiskGiB, scratchDirectory: vm.scratchDirectory,
            shares: configuration.sharedDirectories, dockerIptables: vm.dockerIptables,
            bindAddress: try Self.bindAddress(vm.bindAddress, nodeAddress: nodeAddress), advertisedHost: nodeAddress,
            readyTimeoutSeconds: readyTimeoutSeconds ?? configuration.timeouts.vmReadySeconds)
        persistentStorage = configuration.storage.persistent ? configuration.storage : nil
        network = configuration.network.mode
        start = vm.start
        // The proxies of the environment the job was submitted from (Slurm passes it on), unless set.
        do {
            daemon = GuestDaemonOptions(
                configuration, proxies: try ProxySettings.resolve(configuration.network, environment: environment))
        } catch {
            throw VMError(.invalidSetting, error.description)
        }
    }

    /// `vm.bind_address: node` is Slurm's NodeAddr as this node resolves it, which must be one of its own
    /// addresses (QEMU binds numeric addresses only); without a NodeAddr (a VM started by hand), loopback.
    static func bindAddress(_ setting: BindAddress, nodeAddress: String?) throws(VMError) -> String {
        switch setting {
        case .address(let address):
            return address
        case .nodeAddress:
            guard let nodeAddress else { return "127.0.0.1" }
            if HostNetwork.isIPAddress(nodeAddress) { return nodeAddress }
            let local = Set(HostNetwork.interfaceAddresses() + ["127.0.0.1", "::1"])
            let candidates = HostNetwork.resolve(nodeAddress)
            guard let address = candidates.first(where: local.contains) else {
                throw VMError(
                    .invalidSetting,
                    "the node address \(nodeAddress) resolves to \(candidates.isEmpty ? "nothing" : candidates.joined(separator: ", ")) "
                        + "here, not to an address of this node: set vm.bind_address in pcocc-docker.yaml")
            }
            return address
        }
    }

    private static func fixed(_ setting: ResourceSetting) -> Int? {
        if case .fixed(let value) = setting { return value }
        return nil
    }
}
