import ChildProcess
import Foundation
import XCTest

/// Docker VMs on other nodes than the client's, as on a real cluster: the login host reaches a node's
/// dockerd at its Slurm NodeAddr over mutual TLS, each job's certificates open only its own daemon, and
/// a node failure leaves nothing behind. Services: a 2-node Slurm cluster in namespaces (MultiNodeCluster,
/// started here, stopped at the end of the class), the guest image, the docker CLI and curl.
final class MultiNodeDockerTests: XCTestCase {
    override class func tearDown() {
        MultiNodeCluster.stop()
        super.tearDown()
    }

    func testAJobOnNode2ServesDockerToTheLoginHostAtNode2sAddress() async throws {
        let cluster = try await MultiNodeCluster.start()
        let node2 = try cluster.node("node2")
        let job = try await startDockerJob(cluster, on: node2)

        let variables = try await dockerVariables(job, cluster)
        XCTAssertEqual(variables["DOCKER_TLS_VERIFY"], "1")
        let endpoint = try XCTUnwrap(variables["DOCKER_HOST"]).replacingOccurrences(of: "tcp://", with: "")
        XCTAssertTrue(endpoint.hasPrefix("\(node2.address):"), "DOCKER_HOST is tcp://\(endpoint), not node2's NodeAddr")
        let port = String(endpoint.split(separator: ":").last ?? "")
        let record = try String(
            contentsOfFile: "\(cluster.system.home)/.pcocc/job_\(job)/docker/endpoint.json", encoding: .utf8)
        XCTAssertTrue(record.contains(node2.hostname), "endpoint.json does not name node2: \(record)")
        let qemu = try await cluster.userProcesses(named: "qemu-system", on: node2)
        XCTAssertEqual(qemu.count, 1, "the VM should run in node2's namespace: \(qemu)")
        // The forwarded port listens on node2's NodeAddr (the certificate's address), not on every address.
        let sockets = try await cluster.runAsRoot(["ss", "-Hltn", "sport = :\(port)"], on: node2)
        let listening = sockets.outputString.split(separator: "\n").compactMap {
            $0.split(separator: " ").dropFirst(3).first
        }
        XCTAssertEqual(
            listening, ["\(node2.address):\(port)"], "dockerd's forwarded port on node2: \(sockets.outputString)")

        // The docker CLI on the login host checks the server certificate against the job's CA and the
        // name it dialled: node2's address, and node2's hostname (both in the certificate).
        let byAddress = try await cluster.runAsUser(
            ["docker", "version", "--format", "{{.Server.Version}}"], environment: variables)
        XCTAssertEqual(byAddress.status, 0, byAddress.errorTail)
        var byName = variables
        byName["DOCKER_HOST"] = "tcp://\(node2.hostname):\(port)"
        let named = try await cluster.runAsUser(
            ["docker", "version", "--format", "{{.Server.Version}}"], environment: byName)
        XCTAssertEqual(named.status, 0, named.errorTail)

        // The same address under a name the certificate does not carry is refused: the name is checked.
        let certificates = try XCTUnwrap(variables["DOCKER_CERT_PATH"])
        func ping(as name: String) async throws -> ProcessResult {
            try await cluster.runAsUser([
                "curl", "-sS", "--max-time", "20", "--cacert", "\(certificates)/ca.pem", "--cert",
                "\(certificates)/cert.pem",
                "--key", "\(certificates)/key.pem", "--resolve", "\(name):\(port):\(node2.address)",
                "https://\(name):\(port)/_ping",
            ])
        }
        let control = try await ping(as: node2.hostname)
        XCTAssertEqual(control.outputString, "OK", control.errorTail)
        let wrongName = try await ping(as: "not-in-the-certificate.invalid")
        XCTAssertNotEqual(wrongName.status, 0, "a name outside the certificate was accepted")
        XCTAssertTrue(wrongName.errorTail.contains("subject name"), wrongName.errorTail)
    }

    func testTwoJobsOnTwoNodesEachRefuseTheOthersCertificates() async throws {
        let cluster = try await MultiNodeCluster.start()
        let first = try await startDockerJob(cluster, on: try cluster.node("node1"), wait: false)
        let second = try await startDockerJob(cluster, on: try cluster.node("node2"))
        try await waitUntilReady(first, cluster)

        let a = try await dockerVariables(first, cluster)
        let b = try await dockerVariables(second, cluster)
        XCTAssertNotEqual(a["DOCKER_HOST"], b["DOCKER_HOST"])
        func docker(
            _ target: [String: String], with credentials: [String: String], verifyServer: Bool
        ) async throws -> ProcessResult {
            let certificates = credentials["DOCKER_CERT_PATH"] ?? ""
            return try await cluster.runAsUser([
                "docker", "-H", target["DOCKER_HOST"] ?? "", verifyServer ? "--tlsverify" : "--tls",
                "--tlscacert", "\(certificates)/ca.pem", "--tlscert", "\(certificates)/cert.pem",
                "--tlskey", "\(certificates)/key.pem", "version", "--format", "{{.Server.Version}}",
            ])
        }
        for (own, other, name) in [(a, b, "job \(first)"), (b, a, "job \(second)")] {
            let ownDaemon = try await docker(own, with: own, verifyServer: true)
            XCTAssertEqual(ownDaemon.status, 0, "\(name) cannot reach its own daemon: \(ownDaemon.errorTail)")
            // The client refuses the other daemon: its server certificate is not from this job's CA.
            let otherServer = try await docker(other, with: own, verifyServer: true)
            XCTAssertNotEqual(otherServer.status, 0, "\(name) accepted the other job's server certificate")
            XCTAssertTrue(otherServer.errorTail.contains("certificate"), otherServer.errorTail)
            // The other daemon refuses this job's client certificate, even from a client that trusts it.
            let otherClient = try await docker(other, with: own, verifyServer: false)
            XCTAssertNotEqual(otherClient.status, 0, "the other daemon accepted \(name)'s client certificate")
            XCTAssertTrue(otherClient.errorTail.contains("certificate"), otherClient.errorTail)
        }
    }

    func testANodeFailureEndsTheVMAndItsState() async throws {
        let cluster = try await MultiNodeCluster.start()
        let node2 = try cluster.node("node2")
        let job = try await startDockerJob(cluster, on: node2)
        // Whatever the outcome, node2 comes back for the next test (Slurm then ends the job's leftovers).
        addTeardownBlock { _ = try? await MultiNodeCluster.start() }

        try cluster.killSlurmd(of: node2)
        let listed = try await dockerJobs(cluster)
        XCTAssertEqual(listed[job]?["node"], "node2", "ps does not list the job right after the failure: \(listed)")
        let failed = Date()
        try await waitFor("Slurm to end job \(job) for its node's failure", seconds: 90) {
            try await cluster.runAsUser(["squeue", "-h", "-t", "all", "-j", job, "-o", "%T"]).outputString.contains(
                "NODE_FAIL")
        }
        print("multi-node docker: node failure noticed by Slurm after \(Int(Date().timeIntervalSince(failed))) s")
        // The user learns why the daemon is gone: the job is still listed, as failed with its node.
        let afterFailure = try await dockerJobs(cluster)
        XCTAssertEqual(afterFailure[job]?["state"], "nodeFail", "ps after the node failure: \(afterFailure)")

        let stop = try await cluster.pcoccDocker(["stop", "-j", job, "--wait", "60"])
        XCTAssertEqual(stop.status, 0, "stop after a node failure: \(stop.errorTail)")
        let left = try await cluster.waitForNoVMProcesses(on: node2, seconds: 60)
        XCTAssertEqual(left, [], "VM processes left on node2 after Slurm ended job \(job)")
        XCTAssertFalse(
            FileManager.default.fileExists(atPath: "\(cluster.system.home)/.pcocc/job_\(job)"),
            "the login side's state directory of job \(job) is still there")
    }

    // MARK: - helpers

    /// Submits `pcocc-docker batch` pinned to `node` (no requeue: a node failure must end the job) and,
    /// unless told otherwise, waits until its dockerd answers. Returns the job id.
    private func startDockerJob(
        _ cluster: MultiNodeCluster, on node: ClusterHost, wait: Bool = true
    ) async throws -> String {
        let submitted = try await cluster.pcoccDocker([
            "batch", "-w", node.name, "--no-requeue", "--mem=2048", "--time=15",
        ])
        XCTAssertEqual(submitted.status, 0, submitted.errorTail)
        let job = String(
            submitted.outputString.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: " ").last ?? "")
        guard Int(job) != nil else {
            throw TimedOut(what: "a job id from 'batch' (got '\(submitted.outputString)')", seconds: 0)
        }
        addTeardownBlock { _ = try? await cluster.runAsUser(["scancel", job]) }
        if wait { try await waitUntilReady(job, cluster) }
        return job
    }

    private func waitUntilReady(_ job: String, _ cluster: MultiNodeCluster) async throws {
        let ready = try await cluster.pcoccDocker([
            "shell", "-j", job, "-E", "docker version --format '{{.Server.Version}}'",
        ])
        XCTAssertEqual(ready.status, 0, "job \(job)'s docker VM never answered: \(ready.errorTail)")
    }

    private func dockerVariables(_ job: String, _ cluster: MultiNodeCluster) async throws -> [String: String] {
        let env = try await cluster.pcoccDocker(["env", "-j", job, "--json"])
        XCTAssertEqual(env.status, 0, env.errorTail)
        return try JSONDecoder().decode([String: String].self, from: env.output)
    }

    /// `pcocc-docker ps --json` from the login host, by job id: each row's fields as strings.
    private func dockerJobs(_ cluster: MultiNodeCluster) async throws -> [String: [String: String]] {
        let ps = try await cluster.pcoccDocker(["ps", "--json"])
        guard ps.status == 0, let rows = try JSONSerialization.jsonObject(with: ps.output) as? [[String: Any]] else {
            return [:]
        }
        var jobs: [String: [String: String]] = [:]
        for row in rows {
            guard let id = row["jobID"] as? String else { continue }
            jobs[id] = row.compactMapValues { $0 as? String }
        }
        return jobs
    }
}
