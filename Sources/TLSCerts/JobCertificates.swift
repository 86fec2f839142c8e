import Foundation
import HostSystem

/// Where a job's certificates live: the DOCKER_CERT_PATH layout that docker and skopeo read.
///
///     <job dir>/vmcerts/client/{ca.pem,cert.pem,key.pem}          the docker client's
///     <job dir>/vmcerts/vm0/{ca.pem,server-cert.pem,server-key.pem} dockerd's, passed to the VM
public struct JobCertificatePaths: Sendable, Equatable {
    public let jobDirectory: String

    public init(jobDirectory: String) {
        self.jobDirectory = jobDirectory
    }

    public var certificatesDirectory: String { "\(jobDirectory)/vmcerts" }
    /// The value of DOCKER_CERT_PATH.
    public var clientDirectory: String { "\(certificatesDirectory)/client" }
    public var clientCA: String { "\(clientDirectory)/ca.pem" }
    public var clientCertificate: String { "\(clientDirectory)/cert.pem" }
    public var clientKey: String { "\(clientDirectory)/key.pem" }
    public var serverDirectory: String { "\(certificatesDirectory)/vm0" }
    public var serverCA: String { "\(serverDirectory)/ca.pem" }
    public var serverCertificate: String { "\(serverDirectory)/server-cert.pem" }
    public var serverKey: String { "\(serverDirectory)/server-key.pem" }
}

/// Creates and writes the certificates of one job.
public enum JobCertificates {
    /// Names every server certificate carries, so that a client on the node itself can always connect.
    public static let alwaysIncludedNames = ["localhost"]
    public static let alwaysIncludedAddresses = ["127.0.0.1"]

    /// Creates a CA for job `jobID` in memory, issues dockerd's certificate (SANs `serverNames` and
    /// `serverAddresses`, plus localhost and 127.0.0.1) and the client certificate of `userName`, and writes
    /// both under `jobDirectory`. Everything is valid until `validUntil` (the job's end; nil for a job
    /// without a time limit, which gets `JobCertificateAuthority.unlimitedJobValidity`).
    /// The CA's private key is dropped on return: it is never written anywhere.
    @discardableResult
    public static func create(
        jobDirectory: String, jobID: String, userName: String,
        serverNames: [String], serverAddresses: [String],
        validUntil: Date?, now: Date = Date()
    ) throws(TLSCertsError) -> JobCertificatePaths {
        let authority = try JobCertificateAuthority(jobID: jobID, validUntil: validUntil, now: now)
        let server = try authority.issueServerCertificate(
            dnsNames: serverNames + alwaysIncludedNames, ipAddresses: serverAddresses + alwaysIncludedAddresses)
        let client = try authority.issueClientCertificate(userName: userName)

        let paths = JobCertificatePaths(jobDirectory: jobDirectory)
        let files = [
            (authority.certificatePEM, paths.serverCA), (server.certificatePEM, paths.serverCertificate),
            (server.privateKeyPEM, paths.serverKey), (authority.certificatePEM, paths.clientCA),
            (client.certificatePEM, paths.clientCertificate), (client.privateKeyPEM, paths.clientKey),
        ]
        do {
            for directory in [
                paths.jobDirectory, paths.certificatesDirectory, paths.serverDirectory, paths.clientDirectory,
            ] {
                try PrivateDirectory.create(directory)
            }
            // 0600 for every file, certificates included: they are the job's and nobody else's business.
            for (text, path) in files { try AtomicFile.write(text, to: path, mode: 0o600) }
        } catch {
            throw TLSCertsError.system(error)
        }
        return paths
    }
}
