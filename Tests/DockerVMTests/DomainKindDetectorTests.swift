import VMAllocator
import XCTest

@testable import DockerVM

final class DomainKindDetectorTests: XCTestCase {
    let intel = "processor\t: 0\nflags\t\t: fpu vme de pse vmx sse\n"
    let plain = "processor\t: 0\nflags\t\t: fpu vme de pse sse hypervisor\n"

    func testKVMOnlyWithVirtualisationFlagsAndNoPVM() {
        XCTAssertEqual(DomainKindDetector.detect(cpuinfo: intel, kvmPVMLoaded: false, kvmDeviceUsable: true), .kvm)
        XCTAssertEqual(
            DomainKindDetector.detect(cpuinfo: "flags : svm", kvmPVMLoaded: false, kvmDeviceUsable: true), .kvm)
        XCTAssertEqual(DomainKindDetector.detect(cpuinfo: plain, kvmPVMLoaded: false, kvmDeviceUsable: true), .qemu)
        XCTAssertEqual(DomainKindDetector.detect(cpuinfo: intel, kvmPVMLoaded: true, kvmDeviceUsable: true), .qemu)
        XCTAssertEqual(DomainKindDetector.detect(cpuinfo: intel, kvmPVMLoaded: false, kvmDeviceUsable: false), .qemu)
    }

    func testFlagsMustBeWholeWords() {
        let lookalike = "flags\t\t: fpu vmxx svm_lock\nmodel name\t: vmx svm\n"
        XCTAssertEqual(DomainKindDetector.detect(cpuinfo: lookalike, kvmPVMLoaded: false, kvmDeviceUsable: true), .qemu)
    }

    /// An emulated guest gets one vCPU whatever was asked (several crash it); KVM gets what was asked.
    func testEmulatedGuestsGetOneVCPU() {
        XCTAssertEqual(DomainKind.qemu.vcpus(requested: 4), 1)
        XCTAssertEqual(DomainKind.qemu.vcpus(requested: 1), 1)
        XCTAssertEqual(DomainKind.kvm.vcpus(requested: 4), 4)
        XCTAssertNil(DomainKind.kvm.maximumVCPUs)
    }
}
