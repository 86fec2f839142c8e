import ChildProcess
import Foundation
import HostSystem
import SiteConfig

/// Docker's storage kept from one job to the next: an ext4 disk image (sparse, journaled, so that a VM killed in the
/// middle of a write leaves a disk the next job mounts) on a shared path, used by one job at a time. The VM step
/// holds an exclusive flock on the lock file beside it for the VM's whole life; the kernel releases it whatever
/// ends the step, SIGKILL included.
struct PersistentStorage: Sendable {
    let directory: String
    let sizeGiB: Int

    var diskPath: String { "\(directory)/docker-data.img" }
    var lockPath: String { "\(directory)/lock" }

    init(_ section: StorageSection) {
        directory = section.path
        sizeGiB = section.sizeGiB
    }

    /// The disk held for this VM; closing it (or the process ending) lets the next job have it.
    final class Lease: Sendable {
        let diskPath: String
        private let descriptor: Int32

        init(diskPath: String, descriptor: Int32) {
            self.diskPath = diskPath
            self.descriptor = descriptor
        }

        deinit { close(descriptor) }
    }

    enum Outcome: Sendable {
        case leased(Lease)
        /// Another job holds it: `holder` says which, as it wrote it.
        case busy(holder: String)
    }

    /// Takes the disk for job `jobID` on `node`, creating it on first use; checks and repairs its file system (a VM
    /// killed mid-write leaves a journal to replay). Never waits: a busy disk is the caller's to report.
    func acquire(jobID: String, node: String) async throws(VMError) -> Outcome {
        do {
            try PrivateDirectory.create(directory)
        } catch {
            throw VMError(.fileSystem, "persistent docker storage: \(error)")
        }
        let descriptor = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard descriptor >= 0 else {
            throw VMError(.fileSystem, "persistent docker storage: " + SystemError("open", lockPath).description)
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let holder = (try? String(contentsOfFile: lockPath, encoding: .utf8))?
                .trimmingCharacters(in: .whitespacesAndNewlines)
            close(descriptor)
            return .busy(holder: holder.flatMap { $0.isEmpty ? nil : $0 } ?? "another job")
        }
        let lease = Lease(diskPath: diskPath, descriptor: descriptor)
        // Who holds it, for the next job's message; the lock itself is what counts.
        let holder = Array("job \(jobID) on \(node)\n".utf8)
        _ = ftruncate(descriptor, 0)
        _ = holder.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
        do {
            if access(diskPath, F_OK) != 0 {
                try await create()
            } else {
                // -p repairs what is safe to repair without asking (replays the journal); status 1 means "fixed".
                let check = try await ChildProcess.run(ScratchDirectory.tool("e2fsck"), ["-p", diskPath])
                guard check.status <= 1 else {
                    throw VMError(
                        .fileSystem,
                        "persistent docker storage \(diskPath) has errors e2fsck -p cannot repair (status \(check.status)): "
                            + "run 'e2fsck \(diskPath)' or move it away to start afresh")
                }
            }
        } catch let error as VMError {
            throw error
        } catch {
            throw VMError(.tool, "persistent docker storage: \(error)")
        }
        return .leased(lease)
    }

    /// A sparse file of the size limit, formatted ext4 with a journal, created under a temporary name and renamed:
    /// a disk is there whole or not at all.
    private func create() async throws(VMError) {
        let temporary = "\(diskPath).new-\(getpid())"
        defer { unlink(temporary) }
        guard FileManager.default.createFile(atPath: temporary, contents: nil, attributes: [.posixPermissions: 0o600]),
            truncate(temporary, off_t(sizeGiB) << 30) == 0
        else {
            throw VMError(.fileSystem, "persistent docker storage: " + SystemError("create", temporary).description)
        }
        do {
            try await ChildProcess.checked(
                ScratchDirectory.tool("mkfs.ext4"),
                [
                    "-q", "-F", "-m", "0", "-E", "lazy_itable_init=1,lazy_journal_init=1,nodiscard", "-L",
                    "pcocc-docker",
                    temporary,
                ])
        } catch {
            throw VMError.tool(error)
        }
        guard rename(temporary, diskPath) == 0 else {
            throw VMError(.fileSystem, "persistent docker storage: " + SystemError("create", diskPath).description)
        }
    }
}
