import ChildProcess
import Foundation
import XCTest

/// Our conversion against the daemon itself: crafted layers (scripts/differential/cases.py: PAX and GNU headers,
/// numbers, hard links, whiteouts, implicit parents, symbolic links, xattrs, names and paths) are loaded into a job's
/// dockerd and converted by the installed pcocc-docker; docker's tree (walked from inside the VM) and our squashfs
/// (mounted here) must be the same, and what docker refuses we must refuse. Services: the Slurm cluster and guest
/// image of scripts/test.sh, gcc (a static walker), python3, loop mounts of squashfs (root); one VM.
final class DifferentialConversionTests: XCTestCase {
    private static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../scripts/differential").standardized.path

    func testEveryCraftedLayerGivesDockersTree() async throws {
        let system = try SystemTestEnvironment.require()
        let out = "/tmp/pcocc-systest-differential-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: out) }
        let walker = out + "/walk"
        try await ChildProcess.checked("gcc", ["-static", "-O2", "-o", walker, Self.script + "/walk.c"])
        let driver = Self.script + "/differential.py"
        try await ChildProcess.checked("python3", [driver, "make", out])
        var started = Date()
        try await ChildProcess.checked("python3", [driver, "ours", out, system.binary, walker])
        print("differential: our conversions took \(Int(Date().timeIntervalSince(started)))s")
        try await ChildProcess.checked("chown", ["-R", system.user, out])

        // One job of two CPUs (its VM gets one vCPU when emulated); its VM is the reference.
        let jobID = try await system.startDockerJob(name: "systest-differential", minutes: 30, extra: ["-c", "2"])
        defer { Task { _ = try? await system.runAsUser(["scancel", jobID]) } }
        started = Date()
        let docker = try await system.runAsUser(
            [
                "/bin/sh", "-c", "eval $(\(system.binary) env) && exec python3 \"$@\"", "sh", driver, "docker", out,
                walker,
            ],
            environment: ["PCOCC_JOB_ID": jobID])
        XCTAssertEqual(docker.status, 0, docker.errorTail)
        print("differential: docker's loads and walks took \(Int(Date().timeIntervalSince(started)))s")

        let compared = try await ChildProcess.run("python3", [driver, "compare", out])
        print(compared.outputString)
        XCTAssertEqual(compared.status, 0, "the conversion differs from docker:\n\(compared.outputString)")
    }
}
