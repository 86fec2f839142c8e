import Foundation
import HostSystem
import VMAllocator

/// Starts a job's VM from the user's saved guest of its shape (CONTRACTS.md, "Saved guests"), saving that guest
/// first when there is none: it boots with a blank job disk, and is saved once its init waits for the job, dockerd
/// up. Anything that keeps it from restoring is a reason to boot instead, said in one line; nothing is left behind.
struct SavedGuestStarter: Sendable {
    let hypervisor: any Hypervisor
    let store: SavedGuestStore
    let shape: GuestShape
    /// The VM as it would boot (scratch disks, job disk, console, shares); port and disks are replaced here.
    let spec: VMSpec
    let scratch: ScratchDirectory
    let image: GuestImage
    let guestConfig: GuestConfig
    /// The size of a saved guest's data disk (vm.data_disk_gb).
    let dataDiskGiB: Int
    let monitor: LifetimeMonitor
    /// Tells the user (VMNotices) and the step's log.
    let notify: @Sendable (String) -> Void
    /// Where the start is, for those who wait (docker/stage).
    let progress: @Sendable (VMStage) -> Void

    /// A VM running from a saved guest, which `hold` keeps in place for the VM's life.
    struct Restored: Sendable {
        let domain: DomainHandle
        let port: Int
        let hold: SavedGuestStore.Hold
        let guest: SavedGuestStore.Guest
    }

    enum Outcome: Sendable {
        case restored(Restored)
        case boot(reason: String)
    }

    /// What the console says when the guest waits for its job (guest/init/main.c).
    static let waitingLine = "pcocc-init: waiting for the job"

    /// Saving a guest waits for it until `deadline`.
    func start(deadline: ContinuousClock.Instant) async -> Outcome {
        store.prune(current: shape)
        let guest: SavedGuestStore.Guest
        let hold: SavedGuestStore.Hold
        let lookup: SavedGuestStore.Lookup
        do {
            lookup = try store.lookup(shape)
        } catch {
            return .boot(reason: error.message)
        }
        switch lookup {
        case .busy:
            return .boot(reason: "another job of yours on this node is saving the guest of this shape")
        case .found(let found, let held):
            (guest, hold) = (found, held)
        case .missing(let why, let held):
            progress(.savingVM)
            notify("saving a docker VM for the next jobs of this shape on this node, which start faster (\(why))")
            do {
                guest = try await save(deadline: deadline)
            } catch {
                return .boot(reason: "saving the booted guest failed: \(error.message)")
            }
            held.share()
            hold = held
        }
        progress(.restoringVM)
        do {
            try await scratch.createDisks(over: guest)
            let (domain, port) = try await DomainStarter(
                hypervisor: hypervisor, spec: spec(restoring: guest), savedState: guest.statePath
            ).start()
            store.markUsed(guest)
            return .restored(Restored(domain: domain, port: port, hold: hold, guest: guest))
        } catch {
            scratch.removeRestoredDisks()
            // libvirt or QEMU refused the state: it would fail the next job too. A port clash is no fault of it.
            if error.code == .libvirt, hold.makeExclusive() {
                store.remove(guest)
                VMLog.write("removed the saved guest \(guest.directory): it could not be restored")
            }
            return .boot(reason: "restoring the saved guest failed: \(error.message)")
        }
    }

    /// Removes the saved guest a VM was restored from, when no other VM uses it: it restored, but did not serve.
    func invalidate(_ restored: Restored) {
        guard restored.hold.makeExclusive() else { return }
        store.remove(restored.guest)
        VMLog.write("removed the saved guest \(restored.guest.directory): its restored VM did not answer")
    }

    /// The saved domain's name and UUID (libvirt restores only those), the job's disks, console and shares.
    private func spec(restoring guest: SavedGuestStore.Guest) -> VMSpec {
        var restored = savedSpec
        restored.rootDiskPath = scratch.overlayPath
        restored.dataDiskPath = scratch.restoredDataDiskPath
        restored.dataDiskFormat = "qcow2"
        restored.firmwareFiles = [VMSpec.FirmwareFile(name: "opt/pcocc/config", path: guest.configPath)]
        return restored
    }

    private var savedSpec: VMSpec {
        var saved = spec
        saved.name = "pcocc-docker-saved-\(getuid())"
        saved.uuid = shape.uuid
        return saved
    }

    /// Boots the guest in a staging directory, saves it once it waits for its job, and publishes it.
    private func save(deadline: ContinuousClock.Instant) async throws(VMError) -> SavedGuestStore.Guest {
        let staged = try store.stage(key: shape.key)
        var domain: DomainHandle?
        do throws(VMError) {
            try await ScratchDirectory.createOverlay(staged.rootDiskPath, over: image.diskPath, format: "qcow2")
            try await ScratchDirectory.createDataDisk(staged.dataDiskPath, sizeGiB: dataDiskGiB)
            _ = try JobDisk.create(at: staged.jobDiskPath)
            do {
                try AtomicFile.write(guestConfig.contents, to: staged.configPath, mode: 0o600)
            } catch {
                throw VMError(.fileSystem, "saved guests: \(error)")
            }
            var booting = savedSpec
            booting.rootDiskPath = staged.rootDiskPath
            booting.dataDiskPath = staged.dataDiskPath
            booting.jobDiskPath = staged.jobDiskPath
            booting.firmwareFiles = [VMSpec.FirmwareFile(name: "opt/pcocc/config", path: staged.configPath)]
            let started = try await DomainStarter(hypervisor: hypervisor, spec: booting).start()
            domain = started.domain
            try await waitForTheJobLine(started.domain, console: booting.consoleLogPath, deadline: deadline)
            let clock = ContinuousClock.now
            try await hypervisor.save(started.domain, to: staged.statePath)
            domain = nil
            VMLog.write("guest saved in \(clock.duration(to: .now)) to \(staged.directory)")
            return try store.publish(staged, shape: shape)
        } catch {
            if let domain { try? await hypervisor.destroy(domain) }
            try? FileManager.default.removeItem(atPath: staged.directory)
            throw error
        }
    }

    private func waitForTheJobLine(
        _ domain: DomainHandle, console path: String, deadline: ContinuousClock.Instant
    ) async throws(VMError) {
        let console = ConsoleLog(path: path)
        while ContinuousClock.now < deadline {
            if let reason = monitor.stopReason { throw VMError(.domainStopped, "stopped while saving (\(reason))") }
            guard try await hypervisor.state(of: domain).isActive else {
                throw VMError(.domainStopped, "the guest stopped while booting (console log: \(path))")
            }
            // The line comes after the whole boot log; dockerd's own lines follow it.
            if console.tail(400).contains(where: { $0.contains(Self.waitingLine) }) { return }
            try? await Task.sleep(for: .milliseconds(200))
        }
        throw VMError(
            .notReady, "the guest's dockerd did not come up in time (console log: \(path))")
    }
}
