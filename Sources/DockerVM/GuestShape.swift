import Crypto
import Foundation
import HostSystem

/// What a saved guest has in common with every VM that may be restored from it (CONTRACTS.md, "Saved guests"): the
/// guest image, the hypervisor and libvirt versions, the domain kind (and, for KVM, the host CPU), vCPUs, memory,
/// the number of shares, the data disk's size and the daemon's settings. Saved guests are filed under `key`, a
/// hash of these fields; a field that differs from a saved guest's is the reason that guest cannot be used.
struct GuestShape: Sendable, Equatable {
    /// Name and value, in a fixed order.
    let fields: [(name: String, value: String)]

    static func == (lhs: GuestShape, rhs: GuestShape) -> Bool {
        lhs.fields.elementsEqual(rhs.fields) { $0.name == $1.name && $0.value == $1.value }
    }

    /// Fields whose change makes every saved guest of the user on this node useless, not just another shape.
    static let versionFields: Set<String> = ["format", "image", "qemu", "libvirt", "host-cpu"]

    init(fields: [(name: String, value: String)]) {
        self.fields = fields
    }

    init(
        image: GuestImage, versions: HypervisorVersions, kind: DomainKind, cpus: Int, memoryMiB: Int, shareCount: Int,
        dataDiskGiB: Int, guestConfig: GuestConfig, hostCPU: String = GuestShape.hostCPU()
    ) {
        fields = [
            ("format", "1"),
            ("image", image.directory),
            ("qemu", Self.version(versions.hypervisor)),
            ("libvirt", Self.version(versions.library)),
            ("kind", kind.rawValue),
            ("host-cpu", kind == .kvm ? hostCPU : "-"),
            ("cpus", "\(cpus)"),
            ("memory-mib", "\(memoryMiB)"),
            ("shares", "\(shareCount)"),
            ("data-disk-gib", "\(dataDiskGiB)"),
            ("daemon", Self.digest(guestConfig.contents).prefix(16).description),
        ]
    }

    /// The file a saved guest keeps its shape in: `name value` lines.
    var text: String { fields.map { "\($0.name) \($0.value)\n" }.joined() }

    init?(text: String) {
        let pairs = text.split(separator: "\n").map { line -> (name: String, value: String) in
            let parts = line.split(separator: " ", maxSplits: 1)
            return (String(parts[0]), parts.count > 1 ? String(parts[1]) : "")
        }
        guard !pairs.isEmpty else { return nil }
        fields = pairs
    }

    var key: String { String(Self.digest(text).prefix(32)) }

    /// The saved domain's UUID: fixed by the shape, since a restore must name the saved domain's own.
    var uuid: String {
        let hex = Array(Self.digest("uuid " + text).prefix(32))
        return [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { String(hex[$0]) }.joined(separator: "-")
    }

    func value(_ name: String) -> String? { fields.first { $0.name == name }?.value }

    /// The first field where `saved` differs, said for the user ("the guest image: A, saved: B"), nil when equal.
    func difference(from saved: GuestShape) -> String? {
        for field in fields where saved.value(field.name) != field.value {
            return
                "\(Self.label(field.name)) is \(field.value), the saved guest's \(saved.value(field.name) ?? "unknown")"
        }
        return nil
    }

    /// Whether a saved guest of `saved`'s shape can never be used again here (another image, QEMU, libvirt, CPU).
    func outdates(_ saved: GuestShape) -> Bool {
        fields.contains { Self.versionFields.contains($0.name) && saved.value($0.name) != $0.value }
    }

    private static func label(_ name: String) -> String {
        switch name {
        case "image": return "the guest image"
        case "qemu": return "QEMU"
        case "libvirt": return "libvirt"
        case "kind": return "the domain type"
        case "host-cpu": return "the host CPU"
        case "cpus": return "the vCPU count"
        case "memory-mib": return "the memory (MiB)"
        case "shares": return "the number of shared directories"
        case "data-disk-gib": return "the data disk size (GiB)"
        case "daemon": return "the daemon settings (digest)"
        default: return name
        }
    }

    private static func version(_ value: UInt) -> String {
        "\(value / 1_000_000).\(value / 1000 % 1000).\(value % 1000)"
    }

    private static func digest(_ text: String) -> String {
        SHA256.hash(data: Data(text.utf8)).lowercaseHex
    }

    /// KVM runs the saved CPU state on the host's CPU model: the model name and flags of the first CPU.
    static func hostCPU() -> String {
        let info = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let lines = info.split(separator: "\n").prefix { !$0.isEmpty }
        let wanted = lines.filter { $0.hasPrefix("model name") || $0.hasPrefix("flags") || $0.hasPrefix("microcode") }
        return String(digest(wanted.joined(separator: "\n")).prefix(16))
    }
}
