import VMAllocator
import XCTest

@testable import DockerVM

final class VMResourcesTests: XCTestCase {
    func testExplicitValuesWin() {
        let resources = VMResources.resolve(
            cpus: 3, memoryMiB: 1000, memoryPerCPUMiB: 2048,
            environment: ["SLURM_CPUS_ON_NODE": "8", "SLURM_MEM_PER_NODE": "16000"])
        XCTAssertEqual(resources, VMResources(cpus: 3, memoryMiB: 1000))
    }

    func testMemoryPerNodeLessTheHostReserve() {
        let resources = VMResources.resolve(
            cpus: nil, memoryMiB: nil, memoryPerCPUMiB: 2048,
            environment: ["SLURM_CPUS_ON_NODE": "8", "SLURM_MEM_PER_NODE": "16000"])
        XCTAssertEqual(resources, VMResources(cpus: 8, memoryMiB: 16000 - VMResources.hostReserveMiB))
    }

    func testMemoryPerCPUTimesAllocatedCPUs() {
        let resources = VMResources.resolve(
            cpus: 2, memoryMiB: nil, memoryPerCPUMiB: 2048,
            environment: ["SLURM_CPUS_ON_NODE": "4", "SLURM_MEM_PER_CPU": "1000"])
        XCTAssertEqual(resources, VMResources(cpus: 2, memoryMiB: 4000 - VMResources.hostReserveMiB))
    }

    func testSmallAllocationsKeepAUsableGuest() {
        let resources = VMResources.resolve(
            cpus: nil, memoryMiB: nil, memoryPerCPUMiB: 2048, environment: ["SLURM_MEM_PER_NODE": "600"])
        XCTAssertEqual(resources.memoryMiB, 512)
        let tiny = VMResources.resolve(
            cpus: nil, memoryMiB: nil, memoryPerCPUMiB: 2048, environment: ["SLURM_MEM_PER_NODE": "300"])
        XCTAssertEqual(tiny.memoryMiB, 300)
    }

    func testOutsideSlurmTheFallbacks() {
        let resources = VMResources.resolve(cpus: nil, memoryMiB: nil, memoryPerCPUMiB: 1536, environment: [:])
        XCTAssertEqual(
            resources, VMResources(cpus: VMResources.fallbackCPUs, memoryMiB: 1536 * VMResources.fallbackCPUs))
    }

    func testZeroOrGarbageIsIgnored() {
        let resources = VMResources.resolve(
            cpus: nil, memoryMiB: nil, memoryPerCPUMiB: 1024,
            environment: ["SLURM_CPUS_ON_NODE": "x", "SLURM_MEM_PER_NODE": "0"])
        XCTAssertEqual(resources, VMResources(cpus: 2, memoryMiB: 2048))
    }
}
