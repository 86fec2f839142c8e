import Foundation
import HostSystem

/// How far the VM step has come, written to docker/stage at each change so that whoever waits (alloc's launcher,
/// `shell`) can tell the user what the time is spent on.
public enum VMStage: String, Sendable, CaseIterable {
    case preparing = "preparing the VM's disks"
    case startingLibvirt = "starting libvirt"
    case startingVM = "starting the VM"
    case restoringVM = "restoring the saved VM"
    case savingVM = "booting and saving a VM for the next jobs of this shape"
    case bootingKernel = "booting the guest kernel"
    case startingDockerd = "starting dockerd"
    case ready = "ready"

    public func write(to directory: JobDirectory) {
        try? AtomicFile.write(rawValue, to: directory.stageFile, mode: 0o600)
    }

    /// The stage last written, nil before the step wrote one.
    public static func read(from directory: JobDirectory) -> VMStage? {
        guard let data = FileManager.default.contents(atPath: directory.stageFile) else { return nil }
        return VMStage(rawValue: String(decoding: data, as: UTF8.self))
    }

    /// The stage the guest console shows, from pcocc-init's own lines.
    public static func fromConsole(_ text: String) -> VMStage? {
        if text.contains("pcocc-init: dockerd exec") { return .startingDockerd }
        if text.contains("pcocc-init: started") { return .startingDockerd }
        if !text.isEmpty { return .bootingKernel }
        return nil
    }
}
