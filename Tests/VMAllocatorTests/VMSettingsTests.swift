import SiteConfig
import XCTest

@testable import VMAllocator

final class VMSettingsTests: XCTestCase {
    func site(cpus: ResourceSetting, memory: ResourceSetting, type: DomainType) -> SiteConfiguration {
        SiteConfiguration(
            stateDirectory: "/home/u/.pcocc",
            vm: VMSection(
                imageDirectory: "/img", domainType: type, libvirtURI: "qemu:///session", cpus: cpus, memoryMiB: memory,
                memoryPerCPUMiB: 1024, dataDiskGiB: 10, scratchDirectory: "/tmp", sharedDirectories: ["/home/u"],
                dockerIptables: false, bindAddress: "0.0.0.0"),
            timeouts: TimeoutSection(vmReadySeconds: 120, jobStartSeconds: 0))
    }

    func testSiteValuesCommandLineAndAllocation() {
        let environment = ["SLURM_CPUS_ON_NODE": "6", "SLURM_MEM_PER_NODE": "8192"]
        let fromAllocation = VMSettings(
            site: site(cpus: .allocation, memory: .allocation, type: .auto), jobDirectory: "/j", jobID: "7",
            cpus: nil, memoryMiB: nil, readyTimeoutSeconds: nil, environment: environment)
        XCTAssertEqual(fromAllocation.resources, VMResources(cpus: 6, memoryMiB: 8192 - VMResources.hostReserveMiB))
        XCTAssertNil(fromAllocation.domainKind)
        XCTAssertEqual(fromAllocation.readyTimeoutSeconds, 120)
        XCTAssertEqual(fromAllocation.probeAddress, "127.0.0.1")

        let fixed = VMSettings(
            site: site(cpus: .fixed(2), memory: .fixed(4096), type: .qemu), jobDirectory: "/j", jobID: "7",
            cpus: 3, memoryMiB: nil, readyTimeoutSeconds: 30, environment: environment)
        XCTAssertEqual(fixed.resources, VMResources(cpus: 3, memoryMiB: 4096))
        XCTAssertEqual(fixed.domainKind, .qemu)
        XCTAssertEqual(fixed.readyTimeoutSeconds, 30)
        XCTAssertEqual(fixed.endpointFile, "/j/docker/endpoint.json")
    }
}
