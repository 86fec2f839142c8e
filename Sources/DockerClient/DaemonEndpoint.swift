import HostSystem

/// Where a job's dockerd listens and the client certificates that open it (a DOCKER_CERT_PATH directory holding
/// ca.pem, cert.pem and key.pem).
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
    public var dockerHost: String { "tcp://\(HostNetwork.hostPort(host, port))" }

    /// The variables that point the docker CLI at this daemon, in the order `env` prints them.
    public var variables: [(name: String, value: String)] {
        [("DOCKER_HOST", dockerHost), ("DOCKER_TLS_VERIFY", "1"), ("DOCKER_CERT_PATH", certificateDirectory)]
    }

    public static let variableNames = ["DOCKER_HOST", "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH"]

    /// `environment` with the docker variables pointing here.
    public func environment(_ environment: [String: String]) -> [String: String] {
        var result = environment
        for (name, value) in variables { result[name] = value }
        return result
    }
}
