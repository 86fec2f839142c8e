import ChildProcess
import Foundation
import XCTest

/// Docker's storage kept from one job to the next (storage.persistent): images survive the job, one job at a time
/// uses the disk, and a VM killed in the middle of a pull leaves a disk the next job mounts.
/// Services: the cluster and guest image of scripts/test.sh, a local registry; several VMs (cold starts).
final class PersistentStorageTests: XCTestCase {
    struct Setup {
        let system: SystemTestEnvironment
        let work: String
        let storage: String
        let environment: [String: String]
    }

    func setUp(_ name: String) async throws -> Setup {
        let system = try SystemTestEnvironment.require()
        let work = "/tmp/pcocc-systest-\(name)-\(UUID().uuidString.prefix(6))"
        let storage = "\(system.home)/.pcocc/storage-\(name)-\(UUID().uuidString.prefix(6))"
        try FileManager.default.createDirectory(atPath: "\(work)/user", withIntermediateDirectories: true)
        // nat: the pull in the killed VM comes from a registry on the node (the test cluster's site file says none).
        try "storage:\n  persistent: true\n  path: \"\(storage)\"\n  size_gb: 4\nnetwork:\n  mode: nat\n"
            .write(toFile: "\(work)/user/pcocc-docker.yaml", atomically: true, encoding: .utf8)
        try await ChildProcess.checked("chmod", ["-R", "a+rX", work])
        addTeardownBlock {
            try? FileManager.default.removeItem(atPath: work)
            try? FileManager.default.removeItem(atPath: storage)
        }
        return Setup(system: system, work: work, storage: storage, environment: ["PCOCC_USER_CONF_DIR": "\(work)/user"])
    }

    func testImagesOutliveTheJobAndASecondJobGetsAFreshDisk() async throws {
        let setup = try await setUp("keep")
        let system = setup.system
        let layout = try await system.makeToolboxLayout()
        defer { try? FileManager.default.removeItem(atPath: layout) }
        let archive = "\(setup.work)/toolbox.tar"
        try await ChildProcess.checked(
            "skopeo", ["copy", "--quiet", "oci:\(layout):latest", "docker-archive:\(archive):toolbox:kept"])
        try await ChildProcess.checked("chmod", ["a+r", archive])

        let first = try await system.startDockerJob(name: "systest-keep-a", environment: setup.environment)
        defer { Task { _ = try? await system.runAsUser(["scancel", first]) } }
        let load = try await system.docker(first, ["load", "-i", archive], environment: setup.environment)
        XCTAssertEqual(load.status, 0, load.errorTail)
        XCTAssertTrue(FileManager.default.fileExists(atPath: "\(setup.storage)/docker-data.img"))
        let ps = try await system.pcoccDocker(["ps", "--json"], environment: setup.environment)
        XCTAssertTrue(
            ps.outputString.contains("\(setup.storage)/docker-data.img"),
            "ps shows where the storage is: \(ps.outputString)")

        // While the first job holds it, a second job of the same user gets a fresh disk, and says so.
        let second = try await system.startDockerJob(name: "systest-keep-b", environment: setup.environment)
        defer { Task { _ = try? await system.runAsUser(["scancel", second]) } }
        let note = try await system.pcoccDocker(
            ["shell", "-j", second, "-E", "docker images --format '{{.Repository}}:{{.Tag}}'"],
            environment: setup.environment)
        XCTAssertTrue(note.errorTail.contains("is in use by job \(first)"), "no line saying why: \(note.errorTail)")
        XCTAssertFalse(note.outputString.contains("toolbox:kept"), "the second job sees the first one's disk")
        for job in [first, second] { _ = try await system.pcoccDocker(["stop", "-j", job]) }

        let third = try await system.startDockerJob(name: "systest-keep-c", environment: setup.environment)
        defer { Task { _ = try? await system.runAsUser(["scancel", third]) } }
        let images = try await system.docker(
            third, ["images", "--format", "{{.Repository}}:{{.Tag}}"], environment: setup.environment)
        XCTAssertTrue(
            images.outputString.contains("toolbox:kept"), "the image did not outlive its job: \(images.outputString)")
        _ = try await system.pcoccDocker(["stop", "-j", third])
    }

    func testAVMKilledDuringAPullLeavesADiskTheNextJobMounts() async throws {
        let setup = try await setUp("kill")
        let system = setup.system
        // An image big enough for its pull to take a while under emulation: 48 MiB of random bytes.
        let layout = try await system.makeToolboxLayout()
        defer { try? FileManager.default.removeItem(atPath: layout) }
        let blob = "\(setup.work)/random.bin"
        try await ChildProcess.checked("dd", ["if=/dev/urandom", "of=\(blob)", "bs=1M", "count=48", "status=none"])
        try await ChildProcess.checked("umoci", ["insert", "--image", "\(layout):latest", blob, "/random.bin"])
        let registry = try LocalService.registry(in: "\(setup.work)/registry")
        defer { registry.stop() }
        try await system.push(layout: layout, to: registry, as: "big:latest")
        try "runtime:\n  insecure_registries: [\"10.0.2.2:\(registry.port)\"]\n"
            .write(toFile: "\(setup.work)/user/containers.yaml", atomically: true, encoding: .utf8)
        try await ChildProcess.checked("chmod", ["a+r", "\(setup.work)/user/containers.yaml"])
        let image = "10.0.2.2:\(registry.port)/big:latest"

        let killed = try await system.startDockerJob(name: "systest-kill", environment: setup.environment)
        defer { Task { _ = try? await system.runAsUser(["scancel", killed]) } }
        async let pull = system.docker(killed, ["pull", image], environment: setup.environment)
        try await Task.sleep(for: .seconds(4))
        // SIGKILL the VM step: no clean-up at all, QEMU goes with its libvirt connection mid-write.
        try await ChildProcess.checked(
            "pkill", ["-KILL", "-u", String(system.uid), "-f", "pcocc-docker-node vm --job-dir [^ ]*/job_\(killed) "])
        _ = try await pull
        // QEMU goes with the step; the job's private libvirtd and virtlogd (nothing of the VM) end by their own
        // --timeout=120 on this cluster, whose slurmd tracks processes without cgroups.
        let left = try await system.waitForNoVMProcesses(seconds: 60).filter { $0.contains("qemu-system") }
        XCTAssertEqual(left, [], "the killed VM left QEMU running")
        _ = try? await system.pcoccDocker(["stop", "-j", killed, "--wait", "60"])

        let next = try await system.startDockerJob(name: "systest-after-kill", environment: setup.environment)
        defer { Task { _ = try? await system.runAsUser(["scancel", next]) } }
        let images = try await system.docker(next, ["images"], environment: setup.environment)
        XCTAssertEqual(images.status, 0, "the daemon on the disk the killed VM left: \(images.errorTail)")
        let again = try await system.docker(next, ["pull", image], environment: setup.environment)
        XCTAssertEqual(again.status, 0, "the image is there or cleanly gone: a new pull must work: \(again.errorTail)")
        let run = try await system.docker(
            next, ["run", "--rm", image, "ls", "-l", "/random.bin"], environment: setup.environment)
        XCTAssertTrue(run.outputString.contains("50331648"), run.outputString + run.errorTail)
        _ = try await system.pcoccDocker(["stop", "-j", next])
    }
}
