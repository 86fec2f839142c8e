import ChildProcess
import Foundation
import XCTest

/// `vm.start: restore` for real (issue 11), in a scratch directory of its own so that the first start of the shape
/// is this test's: the first job boots a guest, saves it and restores it; the next restores it; each restored VM
/// gets the host's clock, its own randomness and only its own job's TLS; nothing a job writes reaches the saved
/// guest; a broken saved state means a boot, said in one line, and the broken state goes; a stop while a guest is
/// being saved leaves nothing.
final class SavedGuestTests: XCTestCase {
    func testFirstStartSavesLaterStartsRestoreAndBrokenStatesBoot() async throws {
        let setup = try VMTestSetup.require(guestImage: true)
        let scratch = "/tmp/pcsg-\(getpid() % 100_000)"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        chown(scratch, setup.uid, gid_t(getpwuid(setup.uid).pointee.pw_gid))
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let saved = "\(scratch)/pcocc-docker-\(setup.uid)-cache/saved-guests"

        // 1. The first start of the shape: boot, save, restore.
        let first = try await Self.run(setup, scratch: scratch) { job, docker, notices in
            XCTAssertTrue(
                notices.contains { $0.hasPrefix("saving a docker VM for the next jobs of this shape") }, "\(notices)")
            return try await Self.clockAndRandomness(docker)
        }
        let guests = try Self.savedGuests(saved)
        XCTAssertEqual(guests.count, 1, "one saved guest: \(guests)")
        let guest = "\(saved)/\(guests[0])"
        let before = try Self.stamps(guest)

        // 2. A later start restores it: another job, its own TLS, its own randomness, the saved guest untouched.
        let second = try await Self.run(setup, scratch: scratch) { job, docker, notices in
            XCTAssertEqual(notices, [], "a restore says nothing")
            // Two restored VMs drew different IDs even without the reseed in a trial run (how many random numbers
            // the kernel hands out before depends on timing): the guest's own report is what shows the reseed.
            XCTAssertTrue(
                job.consoleTail().contains("pcocc-init: random state reseeded with 64 bytes from the host"),
                job.consoleTail())
            try await VMBootTests.checkStrangersAreRefused(job: job, port: Int(docker.port)!)
            try await Self.checkOutputAfterEndOfInput(docker, work: job.scratchRoot)
            let other = try await Self.clockAndRandomness(docker)
            // What this job writes stays in its overlays.
            try await ChildProcess.checked(
                "docker", ["volume", "create", "written-by-job-2"], environment: docker.environment)
            return other
        }
        XCTAssertNotEqual(first, second, "two VMs restored from one saved state drew the same random ID")
        XCTAssertEqual(try Self.stamps(guest), before, "a job's writes reached the saved guest")

        // 3. A state libvirt cannot restore: the VM boots, saying why, and the state is removed.
        let state = open("\(guest)/state", O_WRONLY | O_TRUNC)
        XCTAssertGreaterThanOrEqual(state, 0)
        close(state)
        _ = try await Self.run(setup, scratch: scratch) { job, docker, notices in
            XCTAssertTrue(
                notices.contains {
                    $0.hasPrefix("booting the docker VM: restoring the saved guest failed: libvirt restore")
                },
                "\(notices)")
            return ""
        }
        XCTAssertEqual(try Self.savedGuests(saved), [], "the broken saved guest was kept")

        // 4. Stopped while the guest to save boots: nothing saved, nothing left.
        let job = try await setup.makeJobWithCertificates(scratchParent: scratch)
        defer { job.remove() }
        let log = job.vmLog
        let (_, status) = try await setup.withVMStep(job) { process in
            let deadline = Date().addingTimeInterval(120)
            while Date() < deadline && !job.consoleTail().contains("pcocc-init: started") {
                try await Task.sleep(for: .milliseconds(200))
            }
            XCTAssertTrue(job.consoleTail().contains("pcocc-init: started"), "the guest to save never booted")
            let stages = try FileManager.default.contentsOfDirectory(atPath: saved).filter { $0.hasPrefix(".saving-") }
            XCTAssertEqual(stages.count, 1, "the guest boots in its staging directory")
            if let pid = job.vmPid() { kill(pid, SIGTERM) }
            let end = Date().addingTimeInterval(30)
            while process.isRunning && Date() < end { try await Task.sleep(for: .milliseconds(200)) }
        }
        XCTAssertEqual(status, 0, (try? String(contentsOfFile: log, encoding: .utf8)) ?? "")
        XCTAssertEqual(try Self.savedGuests(saved), [])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: saved).filter { $0.hasPrefix(".") }, [])
        let left = try await setup.liveProcesses(matching: "pcocc-docker-saved-\(setup.uid)")
        XCTAssertEqual(left, [], "QEMU left")
        XCTAssertFalse(job.scratchLeft())
    }

    struct Docker {
        let port: String
        let environment: [String: String]
    }

    /// Starts one job's VM step, runs `body` once it is ready, stops it, and checks that nothing is left.
    private static func run(
        _ setup: VMTestSetup, scratch: String,
        _ body: @escaping @Sendable (VMTestJob, Docker, [String]) async throws -> String
    ) async throws -> String {
        let job = try await setup.makeJobWithCertificates(scratchParent: scratch)
        defer { job.remove() }
        let log = job.vmLog
        let (result, status) = try await setup.withVMStep(job) { process in
            let endpoint = try await job.waitForEndpoint(while: process, log: log, seconds: 300)
            let docker = Docker(
                port: "\(endpoint.port)",
                environment: [
                    "DOCKER_HOST": "tcp://127.0.0.1:\(endpoint.port)", "DOCKER_TLS_VERIFY": "1",
                    "DOCKER_CERT_PATH": job.clientCertificates, "HOME": job.scratchRoot,
                    "PATH": "/usr/local/bin:/usr/bin:/bin",
                ])
            let notices = ((try? String(contentsOfFile: "\(job.directory)/docker/notices", encoding: .utf8)) ?? "")
                .split(separator: "\n").map(String.init).filter { !$0.contains("vCPU") }
            let result: String
            do {
                result = try await body(job, docker, notices)
            } catch {
                throw VMTestFailure(
                    "\(error)\nVM step log:\n\((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")\n"
                        + "guest console (tail):\n\(job.consoleTail())")
            }
            kill(endpoint.pid, SIGTERM)
            let deadline = Date().addingTimeInterval(30)
            while process.isRunning && Date() < deadline { try await Task.sleep(for: .milliseconds(200)) }
            return result
        }
        XCTAssertEqual(status, 0, (try? String(contentsOfFile: log, encoding: .utf8)) ?? "")
        let qemu = try await setup.liveProcesses(matching: job.qemuPattern)
        XCTAssertEqual(qemu, [], "QEMU survived the VM step")
        XCTAssertFalse(job.scratchLeft(), "scratch directory left behind")
        return result
    }

    /// Checks the daemon's clock against the host's, and returns an ID dockerd drew from the kernel's CRNG.
    private static func clockAndRandomness(_ docker: Docker) async throws -> String {
        let info = try await ChildProcess.checked(
            "docker", ["info", "--format", "{{.SystemTime}}"], environment: docker.environment)
        let text = info.outputString.trimmingCharacters(in: .whitespacesAndNewlines)
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let trimmed = text.replacingOccurrences(of: #"(\.\d{3})\d+"#, with: "$1", options: .regularExpression)
        guard let guestTime = formatter.date(from: trimmed) else {
            throw VMTestFailure("unreadable SystemTime \(text)")
        }
        XCTAssertEqual(guestTime.timeIntervalSinceNow, 0, accuracy: 2, "the guest's clock is off: \(text)")
        let network = try await ChildProcess.checked(
            "docker", ["network", "create", "randomness"], environment: docker.environment)
        return network.outputString.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A container's output after the end of its input still comes back through the guest's TLS terminator: the
    /// client ends its half (close_notify), dockerd gets the end of the container's input, and the other direction
    /// flows on until the container is done.
    private static func checkOutputAfterEndOfInput(_ docker: Docker, work: String) async throws {
        let root = "\(work)/end-of-input-root"
        defer { try? FileManager.default.removeItem(atPath: root) }
        try BusyboxTree.write(root: root, applets: ["sh", "cat", "sleep", "echo"])
        let script =
            "tar -C \(root) -c . | docker import - end-of-input >/dev/null && "
            + "printf 'hello\\n' | docker run -i --rm end-of-input sh -c 'cat; sleep 1; echo after-end-of-input'"
        let run = try await ChildProcess.checked("bash", ["-c", script], environment: docker.environment)
        XCTAssertEqual(run.outputString, "hello\nafter-end-of-input\n", run.errorTail)
    }

    private static func savedGuests(_ directory: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory).filter {
            !$0.hasPrefix(".") && !$0.hasSuffix(".lock")
        }
    }

    /// Size and modification time of each file of a saved guest.
    private static func stamps(_ directory: String) throws -> [String: String] {
        var result: [String: String] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: directory) {
            var info = stat()
            stat("\(directory)/\(name)", &info)
            result[name] = "\(info.st_size) \(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec)"
        }
        return result
    }
}
