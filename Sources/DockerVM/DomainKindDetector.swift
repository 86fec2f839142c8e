import Foundation

/// Chooses between KVM and TCG when the site says `auto`.
///
/// Some machines expose /dev/kvm through a paravirtual kvm_pvm module without vmx/svm, on which
/// normal guests crawl or abort (PLATFORM.md): KVM is used only with the CPU flags and without kvm_pvm.
public enum DomainKindDetector {
    public static func detect(cpuinfo: String, kvmPVMLoaded: Bool, kvmDeviceUsable: Bool) -> DomainKind {
        guard kvmDeviceUsable, !kvmPVMLoaded else { return .qemu }
        for line in cpuinfo.split(separator: "\n") where line.hasPrefix("flags") {
            let flags = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == ":" })
            if flags.contains("vmx") || flags.contains("svm") { return .kvm }
        }
        return .qemu
    }

    /// Reads this machine's /proc/cpuinfo, /sys/module/kvm_pvm and /dev/kvm.
    public static func detectHost() -> DomainKind {
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        return detect(
            cpuinfo: cpuinfo,
            kvmPVMLoaded: FileManager.default.fileExists(atPath: "/sys/module/kvm_pvm"),
            kvmDeviceUsable: access("/dev/kvm", R_OK | W_OK) == 0)
    }
}
