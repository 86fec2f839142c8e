import Foundation
import HostSystem

/// The job the launcher runs in, as its certificates and VM step need it: who the user is, when the job ends, the
/// node the VM runs on, and every name and address a client may use to reach that node.
public struct JobIdentity: Sendable, Equatable {
    public var jobID: String
    public var userName: String
    /// The job's end (its time limit), bounding the certificates; nil when unlimited.
    public var jobEnd: Date?
    /// The job's first node: where the VM runs.
    public var node: String
    /// DNS names and IP addresses for the server certificate's SANs (localhost and 127.0.0.1 are always added).
    public var serverNames: [String]
    public var serverAddresses: [String]
    /// How clients reach the node: Slurm's NodeAddr (named in the certificate), else the node's name.
    public var endpointHost: String

    public init(
        jobID: String, userName: String, jobEnd: Date?, node: String, serverNames: [String], serverAddresses: [String],
        endpointHost: String
    ) {
        self.jobID = jobID
        self.userName = userName
        self.jobEnd = jobEnd
        self.node = node
        self.serverNames = serverNames
        self.serverAddresses = serverAddresses
        self.endpointHost = endpointHost
    }

    /// Asks Slurm about the job and its first node. Resolution failures only shrink the name list: localhost and
    /// 127.0.0.1 are always in the certificate.
    public static func lookup(
        jobID: String, nodeList: String, scheduler: any Scheduler
    ) async throws(JobError) -> JobIdentity {
        let node = HostList.first(of: nodeList)
        let job = try await scheduler.job(jobID)
        var names = [node]
        var addresses: [String] = []
        var endpointHost = node
        if let reach = try? await scheduler.nodeAddress(node) {
            endpointHost = reach.address
            names.append(reach.hostname)
            if HostNetwork.isIPAddress(reach.address) {
                addresses.append(reach.address)
            } else {
                names.append(reach.address)
            }
        }
        for name in names { addresses += HostNetwork.resolve(name).filter { !HostNetwork.isLoopback($0) } }
        return JobIdentity(
            jobID: jobID, userName: UserAccount.current().name, jobEnd: job?.endTime, node: node,
            serverNames: unique(names.filter { !HostNetwork.isIPAddress($0) }), serverAddresses: unique(addresses),
            endpointHost: endpointHost)
    }

    static func unique(_ items: [String]) -> [String] {
        var seen = Set<String>()
        return items.filter { seen.insert($0).inserted }
    }
}
