import ChildProcess
import Foundation
import XCTest

/// What the system tests need from scripts/test.sh: the Slurm cluster, the guest image, the installed
/// binary and the ordinary user that runs jobs. Missing pieces skip the test, or fail it when
/// PCOCC_SYSTEM_TESTS=required (CI), so that a green run never hides an unexercised service.
struct SystemTestEnvironment {
    let slurmConf: String
    let binary: String
    let user: String
    let uid: uid_t
    let home: String

    static func require(file: StaticString = #filePath, line: UInt = #line) throws -> SystemTestEnvironment {
        let environment = ProcessInfo.processInfo.environment
        func missing(_ message: String) -> Error {
            guard environment["PCOCC_SYSTEM_TESTS"] == "required" else { return XCTSkip(message) }
            XCTFail(message, file: file, line: line)
            return XCTSkip("failed: " + message)
        }
        func value(_ name: String) throws -> String {
            guard let value = environment[name], !value.isEmpty else {
                throw missing(
                    "\(name) is not set: run scripts/test.sh (it starts the Slurm cluster and builds the guest image)")
            }
            return value
        }
        let user = try value("PCOCC_TEST_USER")
        guard let record = getpwnam(user), let homePointer = record.pointee.pw_dir else {
            throw missing("user \(user) does not exist: run scripts/test-user.sh")
        }
        return SystemTestEnvironment(
            slurmConf: try value("PCOCC_TEST_SLURM_CONF"), binary: try value("PCOCC_DOCKER_BIN"),
            user: user, uid: record.pointee.pw_uid, home: String(cString: homePointer))
    }

    /// The environment a user's login shell would have, plus SLURM_CONF.
    func userEnvironment(_ extra: [String: String] = [:]) -> [String: String] {
        var environment = [
            "HOME": home, "USER": user, "LOGNAME": user, "SHELL": "/bin/bash",
            "PATH": "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin", "SLURM_CONF": slurmConf, "LANG": "C.UTF-8",
        ]
        // A checkout set up beside others (scripts/setup.sh) has its own site files.
        for name in ["PCOCC_DOCKER_SITE_CONFIG", "PCOCC_SYSTEM_CONF_DIR"] {
            if let value = ProcessInfo.processInfo.environment[name], !value.isEmpty { environment[name] = value }
        }
        for (key, value) in extra { environment[key] = value }
        return environment
    }

    /// Runs a program as the test user (runuser keeps our argument array; no shell in between). A command that
    /// hangs is killed after `timeout` seconds (status 124 or 137), so one stuck step fails its test, not the whole run.
    @discardableResult
    func runAsUser(
        _ arguments: [String], environment extra: [String: String] = [:], timeout: Int = 900
    ) async throws
        -> ProcessResult
    {
        let environmentArguments = userEnvironment(extra).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        return try await ChildProcess.run(
            "timeout",
            ["--kill-after=10", String(timeout), "runuser", "-u", user, "--", "env", "-i"] + environmentArguments
                + arguments,
            workingDirectory: "/tmp")
    }

    /// `pcocc-docker ARGS` as the test user.
    @discardableResult
    func pcoccDocker(_ arguments: [String], environment: [String: String] = [:]) async throws -> ProcessResult {
        try await runAsUser([binary] + arguments, environment: environment)
    }

    /// The test user's live processes whose command line contains `name` (QEMU: "qemu-system"), as
    /// "PID COMMAND" lines. Zombies count as exited: PID 1 on these machines reaps slowly.
    func userProcesses(named name: String) async throws -> [String] {
        let result = try await ChildProcess.run("pgrep", ["-u", String(uid), "-a", "-f", name])
        return result.outputString.split(separator: "\n").map(String.init).filter { line in
            guard let pid = line.split(separator: " ").first,
                let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { return false }
            return stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).first != "Z"
        }
    }

    /// Waits until none of the test user's VM processes (QEMU and the job-private libvirtd and
    /// virtlogd) is left; returns what is still there after `seconds`.
    func waitForNoVMProcesses(seconds: Double = 30) async throws -> [String] {
        let deadline = Date().addingTimeInterval(seconds)
        var left: [String] = []
        repeat {
            left = []
            for name in ["qemu-system", "libvirtd", "virtlogd"] { left += try await userProcesses(named: name) }
            if left.isEmpty { return [] }
            try await Task.sleep(for: .milliseconds(500))
        } while Date() < deadline
        return left
    }

    /// Whether job `jobID`'s node-local scratch directory (overlay, data disk, XDG dirs; its name ends in six
    /// random characters) is still there after `seconds`: the VM step removes it last, after its processes.
    func scratchLeft(jobID: String, seconds: Double = 20) async throws -> Bool {
        let prefix = "pcocc-\(uid)-\(jobID)-"
        func left() -> Bool {
            ((try? FileManager.default.contentsOfDirectory(atPath: "/tmp")) ?? []).contains { $0.hasPrefix(prefix) }
        }
        let deadline = Date().addingTimeInterval(seconds)
        while left() && Date() < deadline { try await Task.sleep(for: .milliseconds(250)) }
        return left()
    }

    /// A one-layer OCI image of busybox (`bb`), owned by the test user, for loading into daemons.
    func makeBusyboxLayout() async throws -> String {
        let directory = "/tmp/pcocc-systemtest-bb-\(UUID().uuidString.prefix(8))"
        try await ChildProcess.checked("umoci", ["init", "--layout", directory])
        try await ChildProcess.checked("umoci", ["new", "--image", "\(directory):latest"])
        let bundle = directory + ".bundle"
        try await ChildProcess.checked("umoci", ["unpack", "--image", "\(directory):latest", bundle])
        try BusyboxTree.write(root: "\(bundle)/rootfs", applets: ["sh", "echo", "cat", "ls", "touch", "true"])
        try await ChildProcess.checked("umoci", ["repack", "--image", "\(directory):latest", bundle])
        try await ChildProcess.checked(
            "umoci", ["config", "--image", "\(directory):latest", "--config.cmd", "/bin/sh"])
        try? FileManager.default.removeItem(atPath: bundle)
        try await ChildProcess.checked("chown", ["-R", user, directory])
        return directory
    }
}
