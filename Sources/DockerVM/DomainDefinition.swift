import HostSystem

/// The libvirt domain XML of a docker VM (the guest devices of CONTRACTS.md).
public struct DomainDefinition: Sendable {
    /// Guest port of the TLS terminator (pcocc-tls) in front of dockerd's socket.
    public static let guestDockerPort = 2376

    public let spec: VMSpec

    public init(_ spec: VMSpec) {
        self.spec = spec
    }

    public var xml: String {
        var lines = [
            "<domain type=\(attr(spec.kind.rawValue)) xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>",
            "  <name>\(text(spec.name))</name>",
        ]
        if let uuid = spec.uuid { lines.append("  <uuid>\(text(uuid))</uuid>") }
        lines += [
            "  <memory unit='MiB'>\(spec.memoryMiB)</memory>",
            "  <vcpu>\(spec.cpus)</vcpu>",
        ]
        lines += firmwareEntries
        lines += [
            "  <os>",
            // i440fx, named so the NIC added below can claim a fixed slot on its bus pci.0.
            "    <type arch='x86_64' machine='pc'>hvm</type>",
            "    <kernel>\(text(spec.kernelPath))</kernel>",
            "    <initrd>\(text(spec.initrdPath))</initrd>",
            "    <cmdline>\(text(spec.kernelCommandLine))</cmdline>",
            "  </os>",
            // Without ACPI the guest kernel sees a single vCPU.
            "  <features><acpi/></features>",
        ]
        if spec.kind == .kvm { lines.append("  <cpu mode='host-passthrough'/>") }
        lines += [
            "  <clock offset='utc'/>",
            // A guest that powers off or reboots is finished: the VM step notices and ends.
            "  <on_poweroff>destroy</on_poweroff>",
            "  <on_reboot>destroy</on_reboot>",
            "  <on_crash>destroy</on_crash>",
            "  <devices>",
        ]
        lines += disk(spec.rootDiskPath, format: "qcow2", target: "vda")
        lines += disk(
            spec.dataDiskPath, format: spec.dataDiskFormat, target: "vdb", persistent: spec.dataDiskIsPersistent)
        lines += disk(spec.jobDiskPath, format: "raw", target: "vdc", readOnly: true)
        lines.append("    <controller type='usb' model='none'/>")
        for share in spec.sharedDirectories {
            lines += [
                // squash: the only mode that works unprivileged and keeps symlinks as symlinks.
                "    <filesystem type='mount' accessmode='squash'>",
                "      <source dir=\(attr(share.hostPath))/>",
                "      <target dir=\(attr(share.tag))/>",
                "    </filesystem>",
            ]
        }
        lines += [
            "    <serial type='file'>",
            "      <source path=\(attr(spec.consoleLogPath)) append='off'/>",
            "      <target port='0'/>",
            "    </serial>",
            "    <memballoon model='none'/>",
            "  </devices>",
        ]
        lines += network
        lines.append("</domain>")
        return lines.joined(separator: "\n") + "\n"
    }

    private var firmwareEntries: [String] {
        guard !spec.firmwareFiles.isEmpty else { return [] }
        return ["  <sysinfo type='fwcfg'>"]
            + spec.firmwareFiles.map { "    <entry name=\(attr($0.name)) file=\(attr($0.path))/>" }
            + ["  </sysinfo>"]
    }

    /// The overlay and scratch data disk hold nothing that outlives the VM, so host flushes are skipped
    /// (cache='unsafe'); a persistent data disk honours the guest's flushes (writeback), so that its ext4 journal
    /// keeps it consistent when the VM is killed. discard gives freed guest blocks back to the host.
    /// The job disk is read-only: the guest only polls it, and QEMU reads the host's writes to it through the host's
    /// page cache.
    private func disk(
        _ path: String, format: String, target: String, persistent: Bool = false, readOnly: Bool = false
    ) -> [String] {
        [
            "    <disk type='file' device='disk'>",
            "      <driver name='qemu' type='\(format)' cache='\(persistent ? "writeback" : "unsafe")' discard='unmap'/>",
            "      <source file=\(attr(path))/>",
            "      <target dev='\(target)' bus='virtio'/>",
        ] + (readOnly ? ["      <readonly/>"] : []) + ["    </disk>"]
    }

    /// Slirp through raw QEMU arguments: Debian's libvirt refuses the passt backend, and
    /// libvirt's own user networking cannot restrict the guest or bind the forward to one address.
    /// `restrict=on` (network none) cuts the guest off from everything but the forwarded port.
    private var network: [String] {
        let netdev =
            "user,id=n0,net=10.0.2.0/24,\(spec.network == .none ? "restrict=on," : "")"
            + "hostfwd=tcp:\(HostNetwork.hostPort(spec.forwardAddress, spec.forwardPort))-:\(Self.guestDockerPort)"
        return [
            "  <qemu:commandline>",
            "    <qemu:arg value='-netdev'/>",
            "    <qemu:arg value=\(attr(netdev))/>",
            "    <qemu:arg value='-device'/>",
            // libvirt assigns PCI slots upwards from 1 and does not know of this device: it
            // takes the last slot so that the two never collide.
            "    <qemu:arg value='virtio-net-pci,netdev=n0,bus=pci.0,addr=0x1f'/>",
            "  </qemu:commandline>",
        ]
    }

    private func text(_ value: String) -> String { value.xmlEscaped }
    private func attr(_ value: String) -> String { "'\(value.xmlEscaped)'" }
}

extension String {
    /// Safe both as element text and inside a quoted attribute (either quote).
    var xmlEscaped: String {
        var result = ""
        result.reserveCapacity(utf8.count)
        for character in self {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "'": result += "&apos;"
            case "\"": result += "&quot;"
            default: result.append(character)
            }
        }
        return result
    }
}
