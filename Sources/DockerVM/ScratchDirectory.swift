import ChildProcess
import Foundation
import HostSystem

/// The VM's node-local directory (0700): disk overlay, data disk, guest config, and the
/// XDG directories of the job's private libvirtd. Everything in it dies with the VM, except
/// libvirt's QEMU capabilities cache, which it only links to (`linkCapabilitiesCache`).
struct ScratchDirectory: Sendable {
    let path: String

    var overlayPath: String { "\(path)/overlay.qcow2" }
    /// Sparse raw file, formatted here: mkfs on the host takes ~0.05 s, in the guest under TCG ~3 s.
    var dataDiskPath: String { "\(path)/data.raw" }
    var guestConfigPath: String { "\(path)/config" }
    var jobDiskPath: String { "\(path)/job.raw" }
    // One letter each: libvirt puts unix sockets below them (libvirt-sock, the QEMU monitor)
    // and socket paths are limited to 108 bytes.
    var runtimeDirectory: String { "\(path)/r" }
    var configDirectory: String { "\(path)/c" }
    var cacheDirectory: String { "\(path)/k" }
    /// Where the session libvirtd keeps what it probed of each QEMU binary (1.4 s a fresh probe).
    var capabilitiesDirectory: String { "\(cacheDirectory)/libvirt/qemu/cache/capabilities" }

    /// Room kept for what libvirt appends below the XDG directories
    /// ("/c/libvirt/qemu/lib/domain-NNN-<20 chars>/monitor.sock").
    static let socketSuffixBudget = 64

    /// Every scratch directory of job `jobID` starts with this, then six random characters (mkdtemp): the full
    /// name cannot be guessed, so another user cannot create it first and block the VM.
    static func namePrefix(userID: UInt32, jobID: String) -> String {
        "pcocc-\(userID)-\(jobID)-"
    }

    /// Creates it afresh. Leftovers of an earlier VM step of the same job that was SIGKILLed are ours and
    /// dead-or-dying: their daemons are stopped and they are removed first.
    static func create(parent: String, userID: UInt32, jobID: String) async throws(VMError) -> ScratchDirectory {
        let prefix = namePrefix(userID: userID, jobID: jobID)
        guard parent.utf8.count + 1 + prefix.utf8.count + 6 + socketSuffixBudget < 108 else {
            throw VMError(
                .invalidSetting,
                "scratch directory \(parent)/\(prefix)XXXXXX is too long for libvirt's sockets: set a shorter vm.scratch_dir"
            )
        }
        for leftover in leftovers(parent: parent, prefix: prefix, userID: userID) {
            await PrivateDaemons.stop(runtimeDirectory: leftover.runtimeDirectory)
            leftover.remove()
        }
        let scratch: ScratchDirectory
        do {
            scratch = ScratchDirectory(path: try PrivateDirectory.createUnique(in: parent, prefix: prefix))
        } catch {
            throw VMError(
                .fileSystem,
                SystemError("create a scratch directory in", parent, errno: error.errno ?? .current).description)
        }
        for directory in [scratch.runtimeDirectory, scratch.configDirectory, scratch.cacheDirectory] {
            do {
                try PrivateDirectory.make(directory)
            } catch {
                scratch.remove()
                throw VMError(.fileSystem, error.description)
            }
        }
        return scratch
    }

    /// This job's scratch directories left in `parent`: directories of this user whose name has the job's prefix.
    static func leftovers(parent: String, prefix: String, userID: UInt32) -> [ScratchDirectory] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: parent)) ?? []
        return names.filter { $0.hasPrefix(prefix) && $0.utf8.count == prefix.utf8.count + 6 }.compactMap { name in
            var info = stat()
            let path = "\(parent)/\(name)"
            guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFDIR, info.st_uid == userID else { return nil }
            return ScratchDirectory(path: path)
        }
    }

    /// The user's capabilities cache on this node, kept across jobs: `<scratch_dir>/pcocc-docker-<uid>-cache`.
    /// Job IDs are numeric, so it never collides with a scratch directory.
    static func capabilitiesCachePath(parent: String, userID: UInt32) -> String {
        "\(parent)/pcocc-docker-\(userID)-cache"
    }

    /// The user's capabilities cache, created 0700 when missing. Refused unless it is a directory of
    /// the user's alone: another user could otherwise plant the capabilities our libvirtd trusts.
    static func sharedCapabilitiesCache(parent: String, userID: UInt32) throws(VMError) -> String {
        let cache = capabilitiesCachePath(parent: parent, userID: userID)
        if mkdir(cache, 0o700) != 0 && errno != EEXIST {
            throw VMError(.fileSystem, SystemError("create", cache).description)
        }
        var info = stat()
        guard lstat(cache, &info) == 0, info.st_mode & S_IFMT == S_IFDIR, info.st_uid == userID,
            info.st_mode & 0o077 == 0
        else {
            throw VMError(.fileSystem, "\(cache) is not a directory of this user alone (0700)")
        }
        return cache
    }

    /// Makes the private libvirtd keep its QEMU capabilities in the user's cache on this node, so
    /// later VMs skip the probe. Only that directory is linked: the rest of XDG_CACHE_HOME (the
    /// domain logs in libvirt/qemu/log) stays per job. libvirt checks each cached file itself (QEMU
    /// binary ctime, libvirt version and ctime, kernel, microcode, KVM access) and re-probes a stale
    /// or unreadable one. Best effort: returns false, and libvirt probes into the scratch directory,
    /// when the cache cannot be used.
    @discardableResult
    func linkCapabilitiesCache(parent: String, userID: UInt32) -> Bool {
        let linkParent = (capabilitiesDirectory as NSString).deletingLastPathComponent
        do {
            let cache = try Self.sharedCapabilitiesCache(parent: parent, userID: userID)
            try FileManager.default.createDirectory(
                atPath: linkParent, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            guard symlink(cache, capabilitiesDirectory) == 0 else {
                throw VMError(.fileSystem, SystemError("link", capabilitiesDirectory).description)
            }
            return true
        } catch {
            let reason = (error as? VMError)?.message ?? error.localizedDescription
            VMLog.write("warning: QEMU capabilities are probed afresh, the cache is unusable: \(reason)")
            return false
        }
    }

    /// Points libvirt's session mode at this VM's own directories, so the libvirtd it
    /// autostarts is private to the VM. Must run before the connection is opened.
    func exportLibvirtEnvironment() {
        setenv("XDG_RUNTIME_DIR", runtimeDirectory, 1)
        setenv("XDG_CONFIG_HOME", configDirectory, 1)
        setenv("XDG_CACHE_HOME", cacheDirectory, 1)
    }

    /// mkfs.ext4 and e2fsck live in /sbin, which ordinary users' PATH often lacks.
    static func tool(_ name: String) -> String {
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin") + ":/usr/sbin:/sbin"
        return ChildProcess.which(name, path: path) ?? name
    }

    /// The copy-on-write root disk over the image and, unless the VM uses persistent storage (nil size), the ext4
    /// data disk for /var/lib/docker.
    func createDisks(backingFile: String, dataDiskGiB: Int?) async throws(VMError) {
        try await Self.createOverlay(overlayPath, over: backingFile, format: "qcow2")
        guard let dataDiskGiB else { return }
        try await Self.createDataDisk(dataDiskPath, sizeGiB: dataDiskGiB)
    }

    /// A restored guest's disks: copy-on-write views of the saved guest's, so nothing the job writes reaches them.
    func createDisks(over saved: SavedGuestStore.Guest) async throws(VMError) {
        try await Self.createOverlay(overlayPath, over: saved.rootDiskPath, format: "qcow2")
        try await Self.createOverlay(restoredDataDiskPath, over: saved.dataDiskPath, format: "raw")
    }

    var restoredDataDiskPath: String { "\(path)/data.qcow2" }

    func removeRestoredDisks() {
        unlink(overlayPath)
        unlink(restoredDataDiskPath)
    }

    static func createOverlay(_ path: String, over backingFile: String, format: String) async throws(VMError) {
        do {
            try await ChildProcess.checked(
                "qemu-img", ["create", "-q", "-f", "qcow2", "-F", format, "-b", backingFile, path])
        } catch {
            throw VMError.tool(error)
        }
    }

    /// A sparse raw file formatted ext4 here, without a journal (the disk dies with the VM) and with lazy inode
    /// tables: the guest mounts it at once.
    static func createDataDisk(_ path: String, sizeGiB: Int) async throws(VMError) {
        guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]),
            truncate(path, off_t(sizeGiB) << 30) == 0
        else {
            throw VMError(.fileSystem, SystemError("create the data disk", path).description)
        }
        do {
            try await ChildProcess.checked(
                tool("mkfs.ext4"),
                [
                    "-q", "-F", "-m", "0", "-O", "^has_journal,^resize_inode", "-E", "nodiscard,lazy_itable_init=1",
                    "-L", "pcocc-data", path,
                ])
        } catch {
            throw VMError.tool(error)
        }
    }

    func writeGuestConfig(_ config: GuestConfig) throws(VMError) {
        do {
            try AtomicFile.write(config.contents, to: guestConfigPath, mode: 0o600)
        } catch {
            throw VMError(.fileSystem, error.description)
        }
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}
