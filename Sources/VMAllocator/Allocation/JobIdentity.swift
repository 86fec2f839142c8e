import Foundation

/// Who the job's certificates are for and whom they name: the user, the job's end, and every
/// name and address a client may use to reach the first node.
public struct JobIdentity: Sendable {
    public var userName: String
    public var jobEnd: Date?
    public var serverNames: [String]
    public var serverAddresses: [String]
    /// How clients reach the node: Slurm's NodeAddr (named in the certificate), else the node's name.
    public var endpointHost: String

    /// Asks Slurm about the job and its first node. Resolution failures only shrink the name list:
    /// localhost and 127.0.0.1 are always in the certificate.
    public static func lookup(jobID: String, nodeList: String, scheduler: any Scheduler) async throws(SlurmError) -> JobIdentity {
        let node = HostList.first(of: nodeList)
        let job = try await scheduler.job(jobID)
        var names = [node]
        var addresses: [String] = []
        var endpointHost = node
        if let reach = try? await scheduler.nodeAddress(node) {
            endpointHost = reach.address
            names.append(reach.hostname)
            if isIPAddress(reach.address) { addresses.append(reach.address) } else { names.append(reach.address) }
        }
        for name in names { addresses += resolve(name) }
        return JobIdentity(
            userName: currentUserName(), jobEnd: job?.endTime,
            serverNames: unique(names.filter { !isIPAddress($0) }), serverAddresses: unique(addresses),
            endpointHost: endpointHost)
    }

    static func unique(_ items: [String]) -> [String] {
        var seen = Set<String>()
        return items.filter { seen.insert($0).inserted }
    }

    static func isIPAddress(_ text: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, text, &v4) == 1 || inet_pton(AF_INET6, text, &v6) == 1
    }

    /// The addresses `name` resolves to here, loopback ones excepted.
    static func resolve(_ name: String) -> [String] {
        EndpointHost.resolve(name).filter { !EndpointHost.isLoopback($0) }
    }

    public static func currentUserName() -> String {
        if let entry = getpwuid(getuid()), let name = entry.pointee.pw_name { return String(cString: name) }
        return String(getuid())
    }
}
