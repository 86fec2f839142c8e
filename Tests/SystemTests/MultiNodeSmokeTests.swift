import ChildProcess
import Foundation
import XCTest

/// The multi-node cluster itself, without VMs: jobs land on the node asked for, with that node's hostname
/// and address, and clients on the separate login host get their callbacks. Services: a 2-node Slurm
/// cluster in namespaces (MultiNodeCluster, started here and stopped at the end of the class).
final class MultiNodeSmokeTests: XCTestCase {
    override class func tearDown() {
        MultiNodeCluster.stop()
        super.tearDown()
    }

    func testAJobPlacedOnNode2RunsThere() async throws {
        let cluster = try await MultiNodeCluster.start()
        let node2 = try cluster.node("node2")
        let probe = "hostname; ip -4 -o addr show dev eth0"

        // srun from the login host: slurmd on node2 connects back to srun there for I/O.
        let srun = try await cluster.runAsUser(["srun", "-w", "node2", "sh", "-c", probe])
        XCTAssertEqual(srun.status, 0, srun.errorTail)
        let lines = srun.outputString.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.first, node2.hostname, srun.outputString)
        XCTAssertTrue(lines.last?.contains(" \(node2.address)/24 ") ?? false, srun.outputString)

        // Slurm's own record of node2 names the same hostname and address.
        let record = try await cluster.runAsUser(["scontrol", "show", "node", "node2"]).outputString
        XCTAssertTrue(record.contains("NodeAddr=\(node2.address) "), record)
        XCTAssertTrue(record.contains("NodeHostName=\(node2.hostname) "), record)

        // salloc from the login host (slurmctld calls it back with the grant), a step inside it.
        let salloc = try await cluster.runAsUser(["salloc", "-w", "node2", "srun", "hostname"])
        XCTAssertEqual(salloc.status, 0, salloc.errorTail)
        XCTAssertEqual(salloc.outputString.trimmingCharacters(in: .whitespacesAndNewlines), node2.hostname)

        // A batch script runs on node2 and writes to the shared /tmp.
        let output = "/tmp/pcocc-systest-multinode-\(UUID().uuidString.prefix(6)).out"
        defer { try? FileManager.default.removeItem(atPath: output) }
        let sbatch = try await cluster.runAsUser(["sbatch", "--wait", "-w", "node2", "-o", output, "--wrap", probe])
        XCTAssertEqual(sbatch.status, 0, sbatch.errorTail)
        let written = try String(contentsOfFile: output, encoding: .utf8)
        XCTAssertTrue(written.hasPrefix(node2.hostname + "\n"), written)
        XCTAssertTrue(written.contains(" \(node2.address)/24 "), written)
    }

    func testTheLoginHostIsSeparateFromEveryNode() async throws {
        let cluster = try await MultiNodeCluster.start()
        let here = try await cluster.runAsUser(["sh", "-c", "hostname; ip -4 -o addr show dev eth0"])
        XCTAssertEqual(here.status, 0, here.errorTail)
        XCTAssertTrue(here.outputString.hasPrefix(cluster.login.hostname + "\n"), here.outputString)
        XCTAssertTrue(here.outputString.contains(" \(cluster.login.address)/24 "), here.outputString)
        XCTAssertFalse(cluster.nodes.contains { $0.address == cluster.login.address })

        // One step over both nodes: each task reports its own node.
        let both = try await cluster.runAsUser(["srun", "-N", "2", "-n", "2", "hostname"])
        XCTAssertEqual(both.status, 0, both.errorTail)
        XCTAssertEqual(
            Set(both.outputString.split(separator: "\n").map(String.init)), Set(cluster.nodes.map(\.hostname)))

        // Node names resolve on every host, as on a cluster with shared name service.
        let node1 = try cluster.node("node1")
        let lookup = try await cluster.runAsUser(["getent", "hosts", node1.hostname], on: try cluster.node("node2"))
        XCTAssertTrue(lookup.outputString.hasPrefix(node1.address + " "), lookup.outputString)
    }

    func testAKilledSlurmdIsANodeFailureUntilItIsRestarted() async throws {
        let cluster = try await MultiNodeCluster.start()
        let node2 = try cluster.node("node2")
        let submitted = try await cluster.runAsUser(
            ["sbatch", "--parsable", "--no-requeue", "-w", "node2", "-o", "/dev/null", "--wrap", "sleep 300"])
        XCTAssertEqual(submitted.status, 0, submitted.errorTail)
        let jobID = submitted.outputString.trimmingCharacters(in: .whitespacesAndNewlines)
        addTeardownBlock { _ = try? await cluster.runAsUser(["scancel", jobID]) }
        try await waitFor("job \(jobID) running", seconds: 30) {
            try await cluster.runAsUser(["squeue", "-h", "-j", jobID, "-o", "%T"]).outputString.contains("RUNNING")
        }

        try cluster.killSlurmd(of: node2)
        let failed = Date()
        try await waitFor("job \(jobID) to fail with node2", seconds: 90) {
            try await cluster.runAsUser(["squeue", "-h", "-t", "all", "-j", jobID, "-o", "%T"]).outputString
                .contains("NODE_FAIL")
        }
        print("multi-node cluster: node failure noticed after \(Int(Date().timeIntervalSince(failed))) s")
        let down = try await cluster.nodeState(node2)
        XCTAssertTrue(down.hasPrefix("down"), "node2 is \(down)")
        // The job's processes outlive slurmd: only its return (or the node's end) removes them.
        let left = try await cluster.userProcesses(named: "sleep 300", on: node2)
        XCTAssertEqual(left.count, 1, "the job's sleep should still run on node2: \(left)")

        _ = try await MultiNodeCluster.start()
        try await waitFor("node2 back in service", seconds: 30) { try await cluster.nodeState(node2) == "idle" }
        try await waitFor("the failed job's processes gone from node2", seconds: 30) {
            try await cluster.userProcesses(named: "sleep 300", on: node2).isEmpty
        }
    }
}
