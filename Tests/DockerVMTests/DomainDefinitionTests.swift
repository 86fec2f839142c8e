import ChildProcess
import Foundation
import VMAllocator
import XCTest

@testable import DockerVM

final class DomainDefinitionTests: XCTestCase {
    static func spec(kind: DomainKind = .qemu, shares: [String] = ["/home/u"]) -> VMSpec {
        VMSpec(
            name: VMSpec.domainName(jobID: "1234", userID: 1000), kind: kind, cpus: 4, memoryMiB: 3072,
            kernelPath: "/img/vmlinuz", initrdPath: "/img/initrd.img",
            kernelCommandLine: "quiet apparmor=0 console=ttyS0",
            rootDiskPath: "/tmp/pcocc-docker-1000-1234/overlay.qcow2",
            dataDiskPath: "/tmp/pcocc-docker-1000-1234/data.raw",
            jobDiskPath: "/tmp/pcocc-docker-1000-1234/job.raw",
            consoleLogPath: "/home/u/.pcocc/job_1234/docker/console.log",
            firmwareFiles: [.init(name: "opt/pcocc/config", path: "/tmp/pcocc-docker-1000-1234/config")],
            sharedDirectories: shares.enumerated().map { .init(tag: "pcoccfs\($0.offset)", hostPath: $0.element) },
            forwardAddress: "127.0.0.1", forwardPort: 40123)
    }

    func testDomainCarriesTheContractDevices() {
        let xml = DomainDefinition(Self.spec()).xml
        for fragment in [
            "<domain type='qemu' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>",
            "<name>pcocc-docker-1234-1000</name>", "<memory unit='MiB'>3072</memory>", "<vcpu>4</vcpu>",
            "<entry name='opt/pcocc/config' file='/tmp/pcocc-docker-1000-1234/config'/>",
            "<kernel>/img/vmlinuz</kernel>", "<initrd>/img/initrd.img</initrd>",
            "<cmdline>quiet apparmor=0 console=ttyS0</cmdline>", "<features><acpi/></features>",
            "<source file='/tmp/pcocc-docker-1000-1234/overlay.qcow2'/>\n      <target dev='vda' bus='virtio'/>",
            "<source file='/tmp/pcocc-docker-1000-1234/data.raw'/>\n      <target dev='vdb' bus='virtio'/>",
            "<source file='/tmp/pcocc-docker-1000-1234/job.raw'/>\n      <target dev='vdc' bus='virtio'/>\n      <readonly/>",
            "<controller type='usb' model='none'/>", "<memballoon model='none'/>",
            "<filesystem type='mount' accessmode='squash'>\n      <source dir='/home/u'/>\n      <target dir='pcoccfs0'/>",
            "<serial type='file'>\n      <source path='/home/u/.pcocc/job_1234/docker/console.log' append='off'/>",
            "<qemu:arg value='user,id=n0,net=10.0.2.0/24,hostfwd=tcp:127.0.0.1:40123-:2376'/>",
            "<qemu:arg value='virtio-net-pci,netdev=n0,bus=pci.0,addr=0x1f'/>",
        ] {
            XCTAssertTrue(xml.contains(fragment), "missing \(fragment) in\n\(xml)")
        }
        XCTAssertFalse(xml.contains("host-passthrough"), "TCG has no host CPU to pass through")
    }

    func testNetworkNoneRestrictsSlirp() {
        var spec = Self.spec()
        spec.network = .none
        XCTAssertTrue(
            DomainDefinition(spec).xml.contains(
                "<qemu:arg value='user,id=n0,net=10.0.2.0/24,restrict=on,hostfwd=tcp:127.0.0.1:40123-:2376'/>"))
        XCTAssertFalse(DomainDefinition(Self.spec()).xml.contains("restrict"), "nat is the default")
    }

    func testKVMPassesTheHostCPUThrough() {
        let xml = DomainDefinition(Self.spec(kind: .kvm)).xml
        XCTAssertTrue(xml.hasPrefix("<domain type='kvm'"))
        XCTAssertTrue(xml.contains("<cpu mode='host-passthrough'/>"))
    }

    func testEveryValueIsEscaped() {
        var spec = Self.spec(shares: ["/home/o'neil & <co>"])
        spec.kernelCommandLine = "a=\"b\" <c>"
        spec.consoleLogPath = "/home/o'neil/console.log"
        let xml = DomainDefinition(spec).xml
        XCTAssertTrue(xml.contains("<source dir='/home/o&apos;neil &amp; &lt;co&gt;'/>"))
        XCTAssertTrue(xml.contains("<cmdline>a=&quot;b&quot; &lt;c&gt;</cmdline>"))
        XCTAssertTrue(xml.contains("path='/home/o&apos;neil/console.log'"))
        XCTAssertFalse(xml.contains("o'neil"))
    }

    func testIPv6ForwardAddressIsBracketed() {
        var spec = Self.spec()
        spec.forwardAddress = "::1"
        XCTAssertTrue(DomainDefinition(spec).xml.contains("hostfwd=tcp:[::1]:40123-:2376"))
    }

    func testXMLValidatesAgainstLibvirtSchema() async throws {
        guard let validator = ChildProcess.which("virt-xml-validate"), ChildProcess.which("xmllint") != nil else {
            throw XCTSkip("virt-xml-validate or xmllint is not installed (packages libvirt-clients, libxml2-utils)")
        }
        let file = NSTemporaryDirectory() + "pcocc-domain-\(getpid()).xml"
        defer { unlink(file) }
        try DomainDefinition(Self.spec(shares: ["/home/u", "/work/x y"])).xml.write(
            toFile: file, atomically: true, encoding: .utf8)
        let result = try await ChildProcess.run(validator, [file, "domain"])
        XCTAssertEqual(result.status, 0, result.outputString + result.errorTail)
    }

    func testTestDriverAcceptsTheDefinition() async throws {
        let hypervisor = try await LibvirtHypervisor.connect(uri: "test:///default", autodestroy: false)
        let domain = try await hypervisor.start(domainXML: DomainDefinition(Self.spec()).xml)
        XCTAssertEqual(domain.name, "pcocc-docker-1234-1000")
        try await hypervisor.destroy(domain)
        await hypervisor.close()
    }
}
