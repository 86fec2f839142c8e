import Crypto
import Foundation
import HostSystem
import SwiftASN1
import X509

/// A leaf certificate and its private key, both PEM-encoded, ready to be written for docker or dockerd.
public struct IssuedCertificate: Sendable {
    /// "-----BEGIN CERTIFICATE-----".
    public let certificatePEM: String
    /// PKCS#8 ("-----BEGIN PRIVATE KEY-----"): the one encoding both Go (docker, skopeo) and OpenSSL read.
    public let privateKeyPEM: String
    public let notValidAfter: Date
}

/// The certificate authority of one job, ECDSA P-256, living only in memory.
///
/// Its private key has no accessor and is never serialized: once the job's server and client
/// certificates are issued, dropping the value makes it impossible to mint more certificates
/// that the job's dockerd or docker client would trust.
public struct JobCertificateAuthority: Sendable {
    /// How far back notBefore goes, so that a node whose clock is slightly behind accepts the certificates.
    public static let clockSkewAllowance: TimeInterval = 5 * 60
    /// The lifetime given to certificates of a job that has no time limit.
    public static let unlimitedJobValidity: TimeInterval = 30 * 24 * 3600

    public let jobID: String
    /// PEM of the CA certificate: the ca.pem both sides trust.
    public let certificatePEM: String
    public let notValidBefore: Date
    public let notValidAfter: Date

    private let privateKey: P256.Signing.PrivateKey
    private let certificate: Certificate

    /// Creates the CA of job `jobID`, valid until `validUntil` (the job's end; nil when the job has no limit).
    public init(jobID: String, validUntil: Date?, now: Date = Date()) throws(TLSCertsError) {
        let (start, end) = try Self.validity(until: validUntil, now: now)
        let key = P256.Signing.PrivateKey()
        let publicKey = Certificate.PublicKey(key.publicKey)
        do {
            let name = try DistinguishedName { CommonName("pcocc-docker job \(jobID) CA") }
            let extensions = try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                SubjectKeyIdentifier(hash: publicKey)
            }
            let certificate = try Certificate(
                version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: publicKey,
                notValidBefore: start, notValidAfter: end, issuer: name, subject: name,
                extensions: extensions, issuerPrivateKey: Certificate.PrivateKey(key))
            self.certificatePEM = try certificate.serializeAsPEM().pemString
            self.certificate = certificate
        } catch {
            throw TLSCertsError(
                .certificateCreation, "cannot create the certificate authority of job \(jobID): \(error)",
                underlying: error)
        }
        self.jobID = jobID
        self.privateKey = key
        self.notValidBefore = start
        self.notValidAfter = end
    }

    /// A certificate dockerd presents: serverAuth only, SANs `dnsNames` and `ipAddresses` (textual IPv4/IPv6).
    public func issueServerCertificate(
        dnsNames: [String], ipAddresses: [String]
    ) throws(TLSCertsError)
        -> IssuedCertificate
    {
        guard !dnsNames.isEmpty || !ipAddresses.isEmpty else {
            throw TLSCertsError(.invalidArgument, "the server certificate of job \(jobID) needs at least one name")
        }
        var names: [GeneralName] = []
        for name in unique(dnsNames) {
            guard !name.isEmpty, name.allSatisfy({ $0.isASCII && !$0.isWhitespace }) else {
                throw TLSCertsError(.invalidArgument, "'\(name)' is not a valid DNS name for a server certificate")
            }
            names.append(.dnsName(name))
        }
        for address in unique(ipAddresses) {
            guard let bytes = HostNetwork.addressBytes(address) else {
                throw TLSCertsError(.invalidArgument, "'\(address)' is not an IPv4 or IPv6 address")
            }
            names.append(.ipAddress(ASN1OctetString(contentBytes: ArraySlice(bytes))))
        }
        // keyAgreement as well as digitalSignature: some clients check it for ECDHE with an EC key.
        return try issue(
            subject: "pcocc-docker job \(jobID) dockerd", usage: .serverAuth,
            keyUsage: KeyUsage(digitalSignature: true, keyAgreement: true),
            alternativeNames: SubjectAlternativeNames(names))
    }

    /// A certificate the docker client presents: clientAuth only, so it is refused as a server certificate.
    public func issueClientCertificate(userName: String) throws(TLSCertsError) -> IssuedCertificate {
        guard !userName.isEmpty else {
            throw TLSCertsError(.invalidArgument, "the client certificate of job \(jobID) needs a user name")
        }
        return try issue(
            subject: userName, usage: .clientAuth, keyUsage: KeyUsage(digitalSignature: true),
            alternativeNames: nil)
    }

    private func issue(
        subject: String, usage: ExtendedKeyUsage.Usage, keyUsage: KeyUsage,
        alternativeNames: SubjectAlternativeNames?
    ) throws(TLSCertsError) -> IssuedCertificate {
        let key = P256.Signing.PrivateKey()
        let publicKey = Certificate.PublicKey(key.publicKey)
        let authorityKey = SubjectKeyIdentifier(hash: Certificate.PublicKey(privateKey.publicKey)).keyIdentifier
        do {
            let extensions = try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(keyUsage)
                try ExtendedKeyUsage([usage])
                SubjectKeyIdentifier(hash: publicKey)
                AuthorityKeyIdentifier(keyIdentifier: authorityKey)
                if let alternativeNames { alternativeNames }
            }
            let leaf = try Certificate(
                version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: publicKey,
                notValidBefore: notValidBefore, notValidAfter: notValidAfter, issuer: certificate.subject,
                subject: try DistinguishedName { CommonName(subject) },
                extensions: extensions, issuerPrivateKey: Certificate.PrivateKey(privateKey))
            return IssuedCertificate(
                certificatePEM: try leaf.serializeAsPEM().pemString, privateKeyPEM: key.pemRepresentation,
                notValidAfter: notValidAfter)
        } catch {
            throw TLSCertsError(
                .certificateCreation, "cannot issue the certificate '\(subject)' of job \(jobID): \(error)",
                underlying: error)
        }
    }

    /// Whole seconds, since X.509 times carry no fractions and the caller compares notAfter to the job's end.
    static func validity(until end: Date?, now: Date) throws(TLSCertsError) -> (Date, Date) {
        let start = Date(timeIntervalSince1970: (now.timeIntervalSince1970 - clockSkewAllowance).rounded(.down))
        let limit = end ?? now.addingTimeInterval(unlimitedJobValidity)
        let finish = Date(timeIntervalSince1970: limit.timeIntervalSince1970.rounded(.down))
        guard finish > now else {
            throw TLSCertsError(
                .invalidArgument, "the job's end \(finish) is not in the future: no certificate would be valid")
        }
        return (start, finish)
    }

    private func unique(_ values: [String]) -> [String] {
        var seen = Set<String>()
        return values.filter { seen.insert($0).inserted }
    }
}
