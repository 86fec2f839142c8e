import ArgumentParser
import Foundation
import HostSystem
import TLSCerts

/// Writes a job's certificates (client and dockerd's) under its job directory; the CA's key stays in this process.
/// The launcher does this itself; this command serves VMs started by hand (tests, benchmarks).
struct CertsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "certs", abstract: "Create a job's CA, server and client certificates.")

    @Option(help: "The job's state directory; vmcerts/ is created in it.")
    var jobDir: String

    @Option(help: "The Slurm job id, named in the CA's subject.")
    var jobID: String

    @Option(
        help: "A DNS name of dockerd's certificate (repeatable; default: this host's name). localhost is always added.")
    var node: [String] = []

    @Option(
        help:
            "An IP address of dockerd's certificate (repeatable; default: this host's addresses). 127.0.0.1 is always added."
    )
    var address: [String] = []

    @Option(help: "The job's end in seconds since the epoch (default: 30 days from now).")
    var validUntil: Int?

    func validate() throws {
        guard !jobDir.isEmpty else { throw ValidationError("--job-dir must not be empty.") }
        guard !jobID.isEmpty else { throw ValidationError("--job-id must not be empty.") }
        if let validUntil, TimeInterval(validUntil) <= Date().timeIntervalSince1970 {
            throw ValidationError("--valid-until \(validUntil) is not in the future.")
        }
        if let bad = address.first(where: { !HostNetwork.isIPAddress($0) }) {
            throw ValidationError("--address \(bad) is not an IP address.")
        }
    }

    func run() async throws {
        let hostname = HostNetwork.hostname()
        try JobCertificates.create(
            jobDirectory: jobDir, jobID: jobID, userName: UserAccount.current().name,
            serverNames: node.isEmpty ? (hostname.isEmpty ? [] : [hostname]) : node,
            serverAddresses: address.isEmpty ? HostNetwork.interfaceAddresses() : address,
            validUntil: validUntil.map { Date(timeIntervalSince1970: TimeInterval($0)) })
    }
}
