import ChildProcess
import HostSystem

/// A real mutual-TLS `GET /_ping` to a daemon (slirp accepts TCP before the guest listens, so only dockerd's own
/// answer proves readiness). curl does the TLS with the job's client certificate.
public enum DockerPing {
    /// True when dockerd at host:port answered OK to a client holding `certificateDirectory`'s certificate.
    public static func ping(
        host: String, port: Int, certificateDirectory: String, timeoutSeconds: Double = 2
    ) async -> Bool {
        let url = "https://\(HostNetwork.hostPort(host, port))/_ping"
        let result = try? await ChildProcess.run(
            "curl",
            [
                "--silent", "--max-time", String(timeoutSeconds),
                "--cacert", "\(certificateDirectory)/ca.pem",
                "--cert", "\(certificateDirectory)/cert.pem",
                "--key", "\(certificateDirectory)/key.pem", url,
            ])
        return result?.status == 0 && result?.outputString == "OK"
    }

    public static func ping(_ daemon: DaemonEndpoint, timeoutSeconds: Double = 2) async -> Bool {
        await ping(
            host: daemon.host, port: daemon.port, certificateDirectory: daemon.certificateDirectory,
            timeoutSeconds: timeoutSeconds)
    }
}
