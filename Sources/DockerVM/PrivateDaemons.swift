import Foundation
import HostSystem

/// Ends the processes a VM's private libvirt left behind, found by the pid files under its
/// XDG_RUNTIME_DIR: the session libvirtd (and virtlogd) would otherwise idle for two minutes,
/// and a QEMU must never outlive the VM step.
enum PrivateDaemons {
    /// QEMU first (libvirt/qemu/run/*.pid), then the daemons (libvirt/*.pid).
    static func stop(runtimeDirectory: String) async {
        await terminate(pidFiles(in: "\(runtimeDirectory)/libvirt/qemu/run"))
        await terminate(pidFiles(in: "\(runtimeDirectory)/libvirt"))
    }

    private static func pidFiles(in directory: String) -> [pid_t] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0.hasSuffix(".pid") }.compactMap { name in
            let text = (try? String(contentsOfFile: "\(directory)/\(name)", encoding: .utf8)) ?? ""
            return pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }

    /// SIGTERM, up to 3 s of grace, then SIGKILL.
    private static func terminate(_ pids: [pid_t]) async {
        let live = pids.filter(isOurs)
        guard !live.isEmpty else { return }
        for pid in live { kill(pid, SIGTERM) }
        for _ in 0..<30 {
            if !live.contains(where: ProcessStatus.isRunning) { return }
            try? await Task.sleep(for: .milliseconds(100))
        }
        for pid in live where ProcessStatus.isRunning(pid) { kill(pid, SIGKILL) }
    }

    /// A pid file can outlive its process and the pid be reused: only signal a process of
    /// our own user that is one of libvirt's or QEMU.
    private static func isOurs(_ pid: pid_t) -> Bool {
        guard pid > 1, ProcessStatus.isRunning(pid) else { return false }
        var info = stat()
        guard stat("/proc/\(pid)", &info) == 0, info.st_uid == getuid() else { return false }
        let comm = (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8)) ?? ""
        return ["libvirtd", "virtqemud", "virtlogd", "qemu"].contains { comm.hasPrefix($0) }
    }
}
