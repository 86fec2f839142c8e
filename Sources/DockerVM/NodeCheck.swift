import ChildProcess
import Foundation
import HostSystem
import SiteConfig

/// What a node needs to run docker VMs, checked the way the VM step would use it: the guest image, KVM or TCG, the
/// programs QEMU and the disks need, the scratch directory, and a private libvirt session daemon.
public struct NodeCheck: Sendable {
    public let configuration: SiteConfiguration

    public init(configuration: SiteConfiguration) {
        self.configuration = configuration
    }

    public struct Result: Sendable {
        public var name: String
        public var passed: Bool
        public var warning: Bool
        public var detail: String
        public var hint: String?
    }

    public func run() async -> [Result] {
        var results: [Result] = []
        results.append(guestImage())
        results.append(virtualisation())
        results.append(contentsOf: programs())
        results.append(scratchDirectory())
        results.append(await libvirtSession())
        return results
    }

    func guestImage() -> Result {
        do {
            let image = try GuestImage.load(directory: configuration.vm.imageDirectory)
            return Result(name: "guest image", passed: true, warning: false, detail: image.directory, hint: nil)
        } catch {
            return Result(
                name: "guest image", passed: false, warning: false, detail: error.message,
                hint: "build it with scripts/build-guest-image.sh and point vm.image_dir (pcocc-docker.yaml) at it")
        }
    }

    func virtualisation() -> Result {
        switch configuration.vm.domainType {
        case .kvm:
            let usable = access("/dev/kvm", R_OK | W_OK) == 0
            return Result(
                name: "virtualisation", passed: usable, warning: false,
                detail: usable
                    ? "KVM (vm.domain_type: kvm)" : "vm.domain_type is kvm but /dev/kvm is not usable by this user",
                hint: "give users access to /dev/kvm (group kvm), or set vm.domain_type: auto")
        case .qemu:
            return Result(
                name: "virtualisation", passed: true, warning: true,
                detail: "TCG emulation (vm.domain_type: qemu): slow",
                hint: "use vm.domain_type: auto on nodes with KVM")
        case .auto:
            let kind = DomainKindDetector.detectHost()
            return Result(
                name: "virtualisation", passed: true, warning: kind == .qemu,
                detail: kind == .kvm
                    ? "KVM"
                    : "no usable KVM here (no vmx/svm, kvm_pvm, or /dev/kvm not accessible): TCG emulation, slow",
                hint: kind == .kvm ? nil : "compute nodes should expose /dev/kvm to users")
        }
    }

    func programs() -> [Result] {
        let search = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin") + ":/usr/sbin:/sbin"
        return ["qemu-system-x86_64", "qemu-img", "mkfs.ext4", "curl"].map { name in
            let path = ChildProcess.which(name, path: search)
            return Result(
                name: name, passed: path != nil, warning: false, detail: path ?? "not found",
                hint: "install it on the compute nodes (scripts/install-deps.sh lists the Debian packages)")
        }
    }

    func scratchDirectory() -> Result {
        let directory = configuration.vm.scratchDirectory
        guard access(directory, W_OK | X_OK) == 0 else {
            return Result(
                name: "scratch directory", passed: false, warning: false, detail: "\(directory) is not writable",
                hint: "set vm.scratch_dir to a node-local directory users can write")
        }
        return Result(name: "scratch directory", passed: true, warning: false, detail: directory, hint: nil)
    }

    /// Starts a private session libvirtd as the VM step does (job-private XDG directories), connects and stops it.
    func libvirtSession() async -> Result {
        let uri = configuration.vm.libvirtURI
        do throws(VMError) {
            let scratch = try await ScratchDirectory.create(
                parent: configuration.vm.scratchDirectory, userID: getuid(), jobID: "check")
            defer { scratch.remove() }
            scratch.exportLibvirtEnvironment()
            let hypervisor = try await LibvirtHypervisor.connect(uri: uri)
            await hypervisor.close()
            await PrivateDaemons.stop(runtimeDirectory: scratch.runtimeDirectory)
            return Result(name: "libvirt", passed: true, warning: false, detail: "\(uri) answers", hint: nil)
        } catch {
            let hint =
                getuid() == 0
                ? "run as the ordinary user that runs jobs: qemu:///session goes to the system daemon for root"
                : "install libvirt-daemon and libvirt-daemon-driver-qemu on the compute nodes"
            return Result(name: "libvirt", passed: false, warning: false, detail: error.message, hint: hint)
        }
    }
}
