/// Where a job's dockerd listens and the client certificates that open it
/// (a DOCKER_CERT_PATH directory holding ca.pem, cert.pem and key.pem).
public struct DaemonEndpoint: Sendable, Equatable {
    public let host: String
    public let port: Int
    public let certificateDirectory: String

    public init(host: String, port: Int, certificateDirectory: String) {
        self.host = host
        self.port = port
        self.certificateDirectory = certificateDirectory
    }

    /// The value of DOCKER_HOST and of skopeo's --*-daemon-host.
    public var dockerHost: String { "tcp://\(host.contains(":") ? "[\(host)]" : host):\(port)" }

    /// The environment that points the docker CLI at this daemon.
    public var dockerEnvironment: [String: String] {
        ["DOCKER_HOST": dockerHost, "DOCKER_TLS_VERIFY": "1", "DOCKER_CERT_PATH": certificateDirectory]
    }
}
