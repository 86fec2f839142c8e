import ChildProcess

/// A real mutual-TLS `GET /_ping` to a job's dockerd (slirp accepts TCP before the guest listens,
/// so only dockerd's own answer proves readiness). curl does the TLS with the job's client certificate.
public enum DockerPing {
    /// True when dockerd at host:port answered OK to a client holding `certificateDirectory`'s certificate.
    public static func ping(host: String, port: Int, certificateDirectory: String, timeoutSeconds: Double = 2) async -> Bool {
        let url = "https://\(HostPort.format(host, port))/_ping"
        let result = try? await ChildProcess.run("curl", [
            "--silent", "--max-time", String(timeoutSeconds),
            "--cacert", "\(certificateDirectory)/ca.pem",
            "--cert", "\(certificateDirectory)/cert.pem",
            "--key", "\(certificateDirectory)/key.pem", url,
        ])
        return result?.status == 0 && result?.outputString == "OK"
    }
}

extension JobDirectory {
    /// Whether dockerd at `endpoint` answers this job's client certificate.
    public func answers(_ endpoint: EndpointRecord) async -> Bool {
        await DockerPing.ping(host: endpoint.host, port: endpoint.port, certificateDirectory: clientCertificates)
    }

    /// The job's endpoint once it is written and dockerd answers on it; nil until then.
    public func answeringEndpoint() async throws(JobStateError) -> EndpointRecord? {
        guard let endpoint = try EndpointRecord.read(from: endpointFile), await answers(endpoint) else { return nil }
        return endpoint
    }
}
