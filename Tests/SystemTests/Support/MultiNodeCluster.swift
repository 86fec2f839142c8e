import ChildProcess
import Foundation
import XCTest

/// One host of a multi-node test cluster: a Slurm node (or the login host) with its own network and
/// UTS namespaces, as listed in the cluster's `hosts` file by scripts/slurm-cluster.sh.
struct ClusterHost: Sendable, Equatable {
    /// "login", or the Slurm node name ("node2").
    let name: String
    let hostname: String
    /// The host's only address; a node's is its Slurm NodeAddr.
    let address: String
    let networkNamespace: String
    let utsNamespace: String

    /// nsenter options that put a command in this host's namespaces (its mount namespace is the machine's,
    /// so /sys/fs/cgroup, homes and /tmp are shared as on a cluster with a shared file system).
    var nsenterOptions: [String] { ["--net=\(networkNamespace)", "--uts=\(utsNamespace)"] }
}

/// A Slurm cluster whose nodes and login host each have their own namespaces, address and hostname
/// (`scripts/slurm-cluster.sh start --nodes N`), next to the single-node cluster of scripts/test.sh:
/// its directory is that cluster's plus "-multinode" and its slurmctld port that cluster's plus 5
/// (PCOCC_TEST_MULTINODE_PORT overrides), so both run at once. The multi-node tests start it
/// (idempotent: a running cluster only gets its dead slurmd restarted) and stop it in their class tearDown.
struct MultiNodeCluster: Sendable {
    /// The test user's environment, pointed at this cluster's slurm.conf.
    let system: SystemTestEnvironment
    let login: ClusterHost
    let nodes: [ClusterHost]
    let directory: String

    /// Where the cluster lives, from the single-node cluster's settings; nil outside a test set-up.
    static func location() -> (directory: String, port: Int)? {
        let environment = ProcessInfo.processInfo.environment
        guard let conf = environment["PCOCC_TEST_SLURM_CONF"], !conf.isEmpty else { return nil }
        let directory = (conf as NSString).deletingLastPathComponent + "-multinode"
        if let override = environment["PCOCC_TEST_MULTINODE_PORT"].flatMap(Int.init) { return (directory, override) }
        let text = (try? String(contentsOfFile: conf, encoding: .utf8)) ?? ""
        let port =
            text.split(separator: "\n").first { $0.hasPrefix("SlurmctldPort=") }
            .flatMap { Int($0.dropFirst("SlurmctldPort=".count)) } ?? 6817
        return (directory, port + 5)
    }

    static var script: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("scripts/slurm-cluster.sh")
            .path
    }

    static func scriptEnvironment(directory: String, port: Int) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["PCOCC_SLURM_DIR"] = directory
        environment["PCOCC_SLURM_PORT"] = String(port)
        return environment
    }

    /// Starts the cluster (or checks the running one), then reads its hosts. Prints how long a real start took.
    static func start(
        nodes: Int = 2, file: StaticString = #filePath, line: UInt = #line
    ) async throws -> MultiNodeCluster {
        let base = try SystemTestEnvironment.require(file: file, line: line)
        guard let (directory, port) = location() else { throw XCTSkip("PCOCC_TEST_SLURM_CONF is not set") }
        let started = Date()
        let result = try await ChildProcess.checked(
            "bash", [script, "start", "--nodes", String(nodes)],
            environment: scriptEnvironment(directory: directory, port: port))
        if !result.errorTail.contains("already running") {
            print(
                "multi-node cluster: \(nodes) nodes started in \(String(format: "%.2f", Date().timeIntervalSince(started))) s"
            )
        }
        let hosts = try String(contentsOfFile: "\(directory)/hosts", encoding: .utf8).split(separator: "\n").compactMap
        { line in
            let fields = line.split(separator: " ").map(String.init)
            return fields.count == 5
                ? ClusterHost(
                    name: fields[0], hostname: fields[1], address: fields[2], networkNamespace: fields[3],
                    utsNamespace: fields[4]) : nil
        }
        let login = try XCTUnwrap(hosts.first { $0.name == "login" }, "no login host in \(directory)/hosts")
        let system = SystemTestEnvironment(
            slurmConf: "\(directory)/slurm.conf", binary: base.binary, user: base.user, uid: base.uid, home: base.home)
        return MultiNodeCluster(
            system: system, login: login, nodes: hosts.filter { $0.name != "login" }, directory: directory)
    }

    /// Stops the cluster (class tearDown is synchronous); prints how long it took. Nothing when never started.
    static func stop() {
        guard let (directory, port) = location(), FileManager.default.fileExists(atPath: "\(directory)/hosts") else {
            return
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [script, "stop"]
        process.environment = scriptEnvironment(directory: directory, port: port)
        let started = Date()
        do {
            try process.run()
            process.waitUntilExit()
            print("multi-node cluster: stopped in \(String(format: "%.2f", Date().timeIntervalSince(started))) s")
        } catch {
            print("multi-node cluster: could not run \(script) stop: \(error)")
        }
    }

    func node(_ name: String) throws -> ClusterHost {
        try XCTUnwrap(nodes.first { $0.name == name }, "no node \(name) in \(directory)/hosts")
    }

    /// Runs a program as the test user on `host` (the login host by default), with no shell in between.
    @discardableResult
    func runAsUser(
        _ arguments: [String], on host: ClusterHost? = nil, environment extra: [String: String] = [:]
    )
        async throws -> ProcessResult
    {
        let environment = system.userEnvironment(extra).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        return try await ChildProcess.run(
            "nsenter",
            (host ?? login).nsenterOptions + ["runuser", "-u", system.user, "--", "env", "-i"] + environment
                + arguments,
            workingDirectory: "/tmp")
    }

    /// Runs a program as root in `host`'s namespaces (to look at its sockets, say).
    func runAsRoot(_ arguments: [String], on host: ClusterHost) async throws -> ProcessResult {
        try await ChildProcess.run("nsenter", host.nsenterOptions + arguments)
    }

    /// `pcocc-docker ARGS` as the test user on the login host.
    @discardableResult
    func pcoccDocker(_ arguments: [String], environment: [String: String] = [:]) async throws -> ProcessResult {
        try await runAsUser([system.binary] + arguments, environment: environment)
    }

    /// A node failure: SIGKILL to the node's slurmd, whose jobs keep running unsupervised (slurmstepd
    /// lives on) until slurmctld declares the node down after SlurmdTimeout.
    func killSlurmd(of node: ClusterHost) throws {
        let pidFile = "\(directory)/run/slurmd-\(node.name).pid"
        let text = try String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let pid = try XCTUnwrap(pid_t(text), "no pid in \(pidFile)")
        XCTAssertEqual(kill(pid, SIGKILL), 0, "cannot kill slurmd \(pid) of \(node.name)")
    }

    /// The node's state as sinfo shows it ("idle", "allocated", "down*"...).
    func nodeState(_ node: ClusterHost) async throws -> String {
        try await runAsUser(["sinfo", "-h", "-N", "-n", node.name, "-o", "%T"]).outputString
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The test user's live processes named `name` whose network namespace is `host`'s.
    func userProcesses(named name: String, on host: ClusterHost) async throws -> [String] {
        var information = stat()
        guard stat(host.networkNamespace, &information) == 0 else { return [] }
        let namespace = "net:[\(information.st_ino)]"
        return try await system.userProcesses(named: name).filter { line in
            guard let pid = line.split(separator: " ").first else { return false }
            return (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/ns/net")) == namespace
        }
    }

    /// Waits until none of the test user's VM processes (QEMU, the job's libvirtd and virtlogd) is left
    /// on `host`; returns what is still there after `seconds`.
    func waitForNoVMProcesses(on host: ClusterHost, seconds: Double) async throws -> [String] {
        let deadline = Date().addingTimeInterval(seconds)
        var left: [String] = []
        repeat {
            left = []
            for name in ["qemu-system", "libvirtd", "virtlogd"] {
                left += try await userProcesses(named: name, on: host)
            }
            if left.isEmpty { return [] }
            try await Task.sleep(for: .milliseconds(500))
        } while Date() < deadline
        // QEMU's command line runs to kilobytes: its start names the process and the job well enough.
        return left.map { String($0.prefix(100)) }
    }
}
