import Foundation
import SiteConfig

extension VMSettings {
    /// The settings of `internal vm`: the site configuration, with the command line's values
    /// (nil when not given) taking precedence and `allocation` sizes read from the Slurm step.
    public init(
        site: SiteConfiguration, jobDirectory: String, jobID: String, cpus: Int?, memoryMiB: Int?,
        readyTimeoutSeconds: Int?, environment: [String: String] = ProcessInfo.processInfo.environment
    ) {
        let resources = VMResources.resolve(
            cpus: cpus ?? Self.fixed(site.vm.cpus), memoryMiB: memoryMiB ?? Self.fixed(site.vm.memoryMiB),
            memoryPerCPUMiB: site.vm.memoryPerCPUMiB, environment: environment)
        let kind: DomainKind? =
            switch site.vm.domainType {
            case .auto: nil
            case .kvm: .kvm
            case .qemu: .qemu
            }
        self.init(
            jobDirectory: jobDirectory, jobID: jobID, userID: getuid(), imageDirectory: site.vm.imageDirectory,
            libvirtURI: site.vm.libvirtURI, domainKind: kind, resources: resources, dataDiskGiB: site.vm.dataDiskGiB,
            scratchDirectory: site.vm.scratchDirectory, sharedDirectories: site.vm.sharedDirectories,
            dockerIptables: site.vm.dockerIptables, bindAddress: site.vm.bindAddress,
            readyTimeoutSeconds: readyTimeoutSeconds ?? site.timeouts.vmReadySeconds)
    }

    private static func fixed(_ setting: ResourceSetting) -> Int? {
        if case .fixed(let value) = setting { return value }
        return nil
    }
}
