import SiteConfig
import VMAllocator
import XCTest

@testable import DockerVM

final class VMSettingsTests: XCTestCase {
    func site(
        cpus: ResourceSetting, memory: ResourceSetting, type: DomainType, bind: BindAddress = .nodeAddress
    ) -> SiteConfiguration {
        var settings = SiteConfiguration.defaults.settings
        settings.vm = VMSection(
            imageDirectory: "/img", domainType: type, libvirtURI: "qemu:///session", cpus: cpus, memoryMiB: memory,
            memoryPerCPUMiB: 1024, dataDiskGiB: 10, scratchDirectory: "/tmp", dockerIptables: false, bindAddress: bind)
        settings.timeouts = TimeoutSection(vmReadySeconds: 120, jobStartSeconds: 0)
        return SiteConfiguration(
            pcocc: .defaults, settings: settings, sharedDirectories: [DockerMount(source: "/home/u")])
    }

    let job = JobDirectory(path: "/j", jobID: "7")

    func testSiteValuesCommandLineAndAllocation() throws {
        let environment = ["SLURM_CPUS_ON_NODE": "6", "SLURM_MEM_PER_NODE": "8192"]
        let fromAllocation = try VMSettings(
            configuration: site(cpus: .allocation, memory: .allocation, type: .auto), job: job,
            nodeAddress: "127.0.0.1",
            cpus: nil, memoryMiB: nil, readyTimeoutSeconds: nil, environment: environment)
        XCTAssertEqual(fromAllocation.resources, VMResources(cpus: 6, memoryMiB: 8192 - VMResources.hostReserveMiB))
        XCTAssertNil(fromAllocation.domainKind)
        XCTAssertEqual(fromAllocation.readyTimeoutSeconds, 120)
        XCTAssertEqual(fromAllocation.bindAddress, "127.0.0.1", "the node's address by default")
        XCTAssertEqual(fromAllocation.advertisedHost, "127.0.0.1")
        XCTAssertEqual(fromAllocation.shares, [DockerMount(source: "/home/u")])

        let fixed = try VMSettings(
            configuration: site(cpus: .fixed(2), memory: .fixed(4096), type: .qemu, bind: .address("0.0.0.0")),
            job: job,
            nodeAddress: "node1", cpus: 3, memoryMiB: nil, readyTimeoutSeconds: 30, environment: environment)
        XCTAssertEqual(fixed.resources, VMResources(cpus: 3, memoryMiB: 4096))
        XCTAssertEqual(fixed.domainKind, .qemu)
        XCTAssertEqual(fixed.readyTimeoutSeconds, 30)
        XCTAssertEqual(fixed.bindAddress, "0.0.0.0")
        XCTAssertEqual(fixed.probeAddress, "127.0.0.1", "a wildcard bind is probed on loopback")
        XCTAssertEqual(fixed.job.endpointFile, "/j/docker/endpoint.json")
    }

    func testTheNodeAddressMustBeOneOfThisNodes() {
        XCTAssertEqual(try VMSettings.bindAddress(.nodeAddress, nodeAddress: "localhost"), "127.0.0.1")
        XCTAssertEqual(try VMSettings.bindAddress(.nodeAddress, nodeAddress: nil), "127.0.0.1")
        XCTAssertThrowsError(try VMSettings.bindAddress(.nodeAddress, nodeAddress: "no-such-node.invalid")) { error in
            XCTAssertTrue("\(error)".contains("set vm.bind_address"), "\(error)")
        }
    }
}
