import DockerClient

extension JobDirectory {
    /// The daemon at `endpoint`, opened by this job's client certificates.
    public func daemon(at endpoint: EndpointRecord) -> DaemonEndpoint {
        DaemonEndpoint(host: endpoint.host, port: endpoint.port, certificateDirectory: clientCertificates)
    }

    /// Whether dockerd at `endpoint` answers this job's client certificate.
    public func answers(_ endpoint: EndpointRecord) async -> Bool {
        await DockerPing.ping(daemon(at: endpoint))
    }

    /// The job's endpoint once it is written and dockerd answers on it; nil until then.
    public func answeringEndpoint() async throws(JobError) -> EndpointRecord? {
        guard let endpoint = try EndpointRecord.read(from: endpointFile), await answers(endpoint) else { return nil }
        return endpoint
    }
}
