import Foundation
import HostSystem

/// One user's saved guests on this node (CONTRACTS.md, "Saved guests"), in
/// `<scratch_dir>/pcocc-docker-<uid>-cache/saved-guests/`: a directory per shape key holding the guest's saved
/// state, its disks, its config and its shape. A saved guest appears whole or not at all: it is made in a hidden
/// directory and renamed to its key. `<key>.lock` guards it: shared by each VM whose disks are layered on it, for
/// the VM's whole life; exclusive while it is saved or removed. The kernel drops the locks whatever ends a step.
/// `prune` unlinks the lock files of keys that have no saved guest, holding them exclusive; so a lock counts only
/// once the file it was taken on is still the one at its path.
struct SavedGuestStore: Sendable {
    /// Saved guests kept at most: beyond, the least recently used ones nobody holds are removed.
    static let keptGuests = 4
    let directory: String

    init(cache: String) {
        directory = "\(cache)/saved-guests"
    }

    /// The paths of one saved guest.
    struct Guest: Sendable {
        let directory: String
        var statePath: String { "\(directory)/state" }
        var rootDiskPath: String { "\(directory)/root.qcow2" }
        var dataDiskPath: String { "\(directory)/data.raw" }
        var jobDiskPath: String { "\(directory)/job.raw" }
        var configPath: String { "\(directory)/config" }
        var shapePath: String { "\(directory)/shape" }
    }

    /// A held `<key>.lock`; closing it (or the process ending) releases it.
    final class Hold: Sendable {
        private let descriptor: Int32

        fileprivate init(descriptor: Int32) {
            self.descriptor = descriptor
        }

        /// From exclusive (saving) to shared (using): the saved guest is complete and others may use it too.
        func share() {
            _ = flock(descriptor, LOCK_SH)
        }

        /// From shared to exclusive, when no other VM holds it. On Linux a conversion that fails has dropped the
        /// shared lock too: after false, the hold holds nothing.
        func makeExclusive() -> Bool {
            flock(descriptor, LOCK_EX | LOCK_NB) == 0
        }

        deinit { close(descriptor) }
    }

    enum Lookup: Sendable {
        /// A saved guest of this shape, held shared.
        case found(Guest, Hold)
        /// None: ours to save (held exclusive), `why` says what was there instead.
        case missing(why: String, Hold)
        /// Another job of the user is saving this shape right now, or removing it.
        case busy
    }

    func guest(key: String) -> Guest { Guest(directory: "\(directory)/\(key)") }

    /// Never waits: a lock held by another job is `busy`.
    func lookup(_ shape: GuestShape) throws(VMError) -> Lookup {
        do {
            try PrivateDirectory.create(directory)
        } catch {
            throw VMError(.fileSystem, "saved guests: \(error)")
        }
        let key = shape.key
        let guest = guest(key: key)
        for _ in 0..<2 {
            // flock locks of two descriptors conflict even in one process: the shared one goes before the exclusive.
            do {
                guard let hold = try lock(key, LOCK_SH | LOCK_NB) else { return .busy }
                if access(guest.shapePath, F_OK) == 0 { return .found(guest, hold) }
            }
            // Nobody saved it yet: take it exclusive to save it (between the two, another job may have).
            guard let exclusive = try lock(key, LOCK_EX | LOCK_NB) else { continue }
            if access(guest.shapePath, F_OK) == 0 {
                exclusive.share()
                return .found(guest, exclusive)
            }
            return .missing(why: whyMissing(shape), exclusive)
        }
        return .busy
    }

    /// A hidden directory to save the guest of `key` into, later `publish`ed; the caller holds the key's lock
    /// exclusive, and `prune` removes a staging directory only when it can take that lock.
    func stage(key: String) throws(VMError) -> Guest {
        do {
            return Guest(directory: try PrivateDirectory.createUnique(in: directory, prefix: ".saving-\(key)-"))
        } catch {
            throw VMError(.fileSystem, error.description)
        }
    }

    /// Flushes the staged files (the disks were written with cache=unsafe: a node that crashes must not keep a state
    /// whose disks never reached the disk), writes the shape last and renames the staged guest to its key: from
    /// here VMs restore it.
    func publish(_ staged: Guest, shape: GuestShape) throws(VMError) -> Guest {
        let guest = guest(key: shape.key)
        do {
            try AtomicFile.write(shape.text, to: staged.shapePath, mode: 0o600)
        } catch {
            throw VMError(.fileSystem, "saved guests: \(error)")
        }
        for path in [staged.statePath, staged.rootDiskPath, staged.dataDiskPath, staged.configPath, staged.directory] {
            let descriptor = open(path, O_RDONLY | O_CLOEXEC)
            guard descriptor >= 0, fsync(descriptor) == 0 else {
                if descriptor >= 0 { close(descriptor) }
                throw VMError(.fileSystem, SystemError("flush", path).description)
            }
            close(descriptor)
        }
        try? FileManager.default.removeItem(atPath: guest.directory)  // half-removed leftovers
        guard rename(staged.directory, guest.directory) == 0 else {
            throw VMError(.fileSystem, SystemError("publish the saved guest", guest.directory).description)
        }
        return guest
    }

    /// Removes a saved guest when nobody holds it (the caller must have dropped its own hold).
    func discard(key: String) {
        guard let hold = try? lock(key, LOCK_EX | LOCK_NB) else { return }
        remove(guest(key: key))
        _ = hold
    }

    /// Removes a saved guest whose lock the caller holds exclusive: renamed out of its key first, so that a
    /// half-removed guest is never found.
    func remove(_ guest: Guest) {
        let doomed = "\(directory)/.removing-\(UUID().uuidString)"
        guard rename(guest.directory, doomed) == 0 else { return }
        try? FileManager.default.removeItem(atPath: doomed)
    }

    /// Removes saved guests `current` outdates (another image, QEMU, libvirt or host CPU), unfinished stagings, and the
    /// least recently used beyond `keptGuests`: each only when no VM holds it.
    func prune(current: GuestShape) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        // Leftovers of killed steps: a staging directory whose key nobody holds, a removal cut short.
        for name in names where name.hasPrefix(".saving-") {
            let key = String(name.dropFirst(".saving-".count).dropLast(7))
            if let hold = try? lock(key, LOCK_EX | LOCK_NB) {
                try? FileManager.default.removeItem(atPath: "\(directory)/\(name)")
                _ = hold
            }
        }
        for name in names where name.hasPrefix(".removing-") {
            try? FileManager.default.removeItem(atPath: "\(directory)/\(name)")
        }
        var kept: [(key: String, used: Double)] = []
        for key in savedKeys(names, except: current.key) {
            guard let shape = savedShape(key), !current.outdates(shape) else {
                discard(key: key)
                continue
            }
            var info = stat()
            let used =
                stat(guest(key: key).statePath, &info) == 0
                ? Double(info.st_atim.tv_sec) + Double(info.st_atim.tv_nsec) / 1e9 : 0
            kept.append((key, used))
        }
        for old in kept.sorted(by: { $0.used > $1.used }).dropFirst(Self.keptGuests - 1) {
            discard(key: old.key)
        }
        // Lock files outlive their guests (removed, or never saved): one per shape ever tried, unless removed here.
        // Looked at without the lock first: an idle guest's lock taken exclusive, even briefly, would turn a job
        // starting meanwhile away as busy.
        for name in names where name.hasSuffix(".lock") {
            let key = String(name.dropLast(".lock".count))
            guard access(guest(key: key).directory, F_OK) != 0, let hold = try? lock(key, LOCK_EX | LOCK_NB) else {
                continue
            }
            // Saving needs this lock exclusive: with it held, no guest of the key can appear meanwhile.
            if access(guest(key: key).directory, F_OK) != 0 { unlink(lockPath(key)) }
            _ = hold
        }
    }

    /// Records a restore in the state's access time (relatime would not), which `prune` keeps the latest by.
    func markUsed(_ guest: Guest) {
        let now = (1 << 30) - 1, omit = (1 << 30) - 2  // UTIME_NOW, UTIME_OMIT (macros Swift cannot import)
        var times = [timespec(tv_sec: 0, tv_nsec: now), timespec(tv_sec: 0, tv_nsec: omit)]
        _ = utimensat(AT_FDCWD, guest.statePath, &times, 0)
    }

    /// Why no saved guest fits `shape`: the first difference from the most recently saved one, if any.
    private func whyMissing(_ shape: GuestShape) -> String {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        var newest: (shape: GuestShape, time: Int)?
        for key in savedKeys(names, except: shape.key) {
            var info = stat()
            guard stat(guest(key: key).shapePath, &info) == 0, let saved = savedShape(key) else { continue }
            if newest == nil || info.st_mtim.tv_sec > newest!.time { newest = (saved, info.st_mtim.tv_sec) }
        }
        guard let newest, let difference = shape.difference(from: newest.shape) else {
            return "no guest of this shape is saved on this node yet"
        }
        return "the saved guest does not fit: \(difference)"
    }

    /// The saved guests among the directory's `names` (not stagings, removals or lock files), but `key`'s.
    private func savedKeys(_ names: [String], except key: String) -> [String] {
        names.filter { !$0.hasPrefix(".") && !$0.hasSuffix(".lock") && $0 != key }
    }

    /// The shape a saved guest was saved with; nil when it cannot be read.
    private func savedShape(_ key: String) -> GuestShape? {
        (try? String(contentsOfFile: guest(key: key).shapePath, encoding: .utf8)).flatMap(GuestShape.init(text:))
    }

    private func lockPath(_ key: String) -> String { "\(directory)/\(key).lock" }

    /// nil when another descriptor holds a conflicting lock; throws when the lock file cannot be opened.
    private func lock(_ key: String, _ operation: Int32) throws(VMError) -> Hold? {
        let path = lockPath(key)
        // A lock taken on a file `prune` unlinked meanwhile guards nothing: take it again on the file at the path.
        for _ in 0..<8 {
            let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
            guard descriptor >= 0 else { throw VMError(.fileSystem, SystemError("open", path).description) }
            guard flock(descriptor, operation) == 0 else {
                close(descriptor)
                return nil
            }
            var held = stat()
            var atPath = stat()
            if fstat(descriptor, &held) == 0, lstat(path, &atPath) == 0, held.st_dev == atPath.st_dev,
                held.st_ino == atPath.st_ino
            {
                return Hold(descriptor: descriptor)
            }
            close(descriptor)
        }
        return nil
    }
}
