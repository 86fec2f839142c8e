import ChildProcess
import Foundation
import TLSCerts
import XCTest

final class CertificateFilesTests: CertificateTestCase {
    func testServerAndClientCertificatesVerifyForTheirPurposeOnly() async throws {
        let paths = try makeJob()
        let server = try await openssl([
            "verify", "-CAfile", paths.serverCA, "-purpose", "sslserver", paths.serverCertificate,
        ])
        XCTAssertEqual(server.status, 0, server.outputString + server.errorTail)
        let client = try await openssl([
            "verify", "-CAfile", paths.clientCA, "-purpose", "sslclient", paths.clientCertificate,
        ])
        XCTAssertEqual(client.status, 0, client.outputString + client.errorTail)
        let misuse = try await openssl([
            "verify", "-CAfile", paths.clientCA, "-purpose", "sslserver", paths.clientCertificate,
        ])
        XCTAssertNotEqual(misuse.status, 0, "the client certificate must be refused as a server certificate")
        let serverAsClient = try await openssl([
            "verify", "-CAfile", paths.serverCA, "-purpose", "sslclient", paths.serverCertificate,
        ])
        XCTAssertNotEqual(serverAsClient.status, 0, "the server certificate must be refused as a client certificate")
    }

    func testBothSidesTrustTheSameCA() throws {
        let paths = try makeJob()
        XCTAssertEqual(
            try String(contentsOfFile: paths.clientCA, encoding: .utf8),
            try String(contentsOfFile: paths.serverCA, encoding: .utf8))
    }

    func testServerCertificateNamesTheNodeAndLocalhost() async throws {
        let paths = try makeJob()
        let result = try await openssl(["x509", "-in", paths.serverCertificate, "-noout", "-ext", "subjectAltName"])
        XCTAssertEqual(result.status, 0, result.errorTail)
        let names = Set(
            result.outputString.split(separator: "\n").dropFirst()
                .flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) })
        XCTAssertEqual(
            names,
            [
                "DNS:node1.cluster", "DNS:localhost", "IP Address:192.0.2.7",
                "IP Address:2001:DB8:0:0:0:0:0:7", "IP Address:127.0.0.1",
            ])
    }

    func testAuthorityAndLeafExtensions() async throws {
        let paths = try makeJob()
        let ca = try await openssl([
            "x509", "-in", paths.serverCA, "-noout", "-subject", "-ext",
            "basicConstraints,keyUsage,subjectKeyIdentifier",
        ]).outputString
        XCTAssertTrue(ca.contains("CN = pcocc-docker job 42 CA"), ca)
        XCTAssertTrue(ca.contains("X509v3 Basic Constraints: critical\n    CA:TRUE"), ca)
        XCTAssertTrue(ca.contains("X509v3 Key Usage: critical\n    Certificate Sign, CRL Sign"), ca)
        XCTAssertTrue(ca.contains("Subject Key Identifier"), ca)
        let client = try await openssl([
            "x509", "-in", paths.clientCertificate, "-noout", "-subject", "-ext",
            "extendedKeyUsage,authorityKeyIdentifier",
        ]).outputString
        XCTAssertTrue(client.contains("CN = alice"), client)
        XCTAssertTrue(client.contains("TLS Web Client Authentication"), client)
        XCTAssertFalse(client.contains("Server"), client)
        XCTAssertTrue(client.contains("Authority Key Identifier"), client)
    }

    func testValidityEndsWithTheJob() async throws {
        let end = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 + 7200).rounded(.down))
        let paths = try makeJob(end: end)
        for file in [paths.serverCA, paths.serverCertificate, paths.clientCertificate] {
            let parsed = try await notAfter(of: file)
            let notAfter = try XCTUnwrap(parsed, file)
            XCTAssertEqual(notAfter.timeIntervalSince1970, end.timeIntervalSince1970, accuracy: 1, file)
        }
        let start = try await openssl(["x509", "-in", paths.clientCertificate, "-noout", "-checkend", "0"])
        XCTAssertEqual(start.status, 0, "valid now")
    }

    func testUnlimitedJobGetsThirtyDays() async throws {
        let paths = try makeJob(end: nil)
        let parsed = try await notAfter(of: paths.clientCertificate)
        let notAfter = try XCTUnwrap(parsed)
        XCTAssertEqual(notAfter.timeIntervalSinceNow, 30 * 24 * 3600, accuracy: 60)
    }

    func testJobEndInThePastIsRefused() {
        XCTAssertThrowsError(try makeJob(end: Date().addingTimeInterval(-10))) { error in
            XCTAssertEqual((error as? TLSCertsError)?.code, .invalidArgument)
        }
    }

    func testDirectoriesAre0700AndFiles0600EvenUnderAHostileUmask() throws {
        // 0o277 would strip the owner's write bit from mkdir's and open's modes.
        let previous = umask(0o277)
        defer { umask(previous) }
        let paths = try makeJob()
        for directory in [
            paths.jobDirectory, paths.certificatesDirectory, paths.clientDirectory, paths.serverDirectory,
        ] {
            XCTAssertEqual(try mode(of: directory), 0o700, directory)
        }
        for file in [
            paths.clientCA, paths.clientCertificate, paths.clientKey,
            paths.serverCA, paths.serverCertificate, paths.serverKey,
        ] {
            XCTAssertEqual(try mode(of: file), 0o600, file)
        }
        let leftovers = try FileManager.default.subpathsOfDirectory(atPath: paths.jobDirectory).filter {
            $0.contains("/.")
        }
        XCTAssertEqual(leftovers, [], "no temporary files left behind")
    }

    func testExistingLaxJobDirectoryIsTightened() throws {
        let jobDirectory = "\(root)/job_42"
        try FileManager.default.createDirectory(
            atPath: jobDirectory, withIntermediateDirectories: false,
            attributes: [.posixPermissions: 0o755])
        let paths = try makeJob()
        XCTAssertEqual(try mode(of: paths.jobDirectory), 0o700)
    }

    func testOnlyTheTwoLeafKeysAreWrittenAndTheyAreNotTheCAKey() async throws {
        let paths = try makeJob()
        let blocks = try privateKeyBlocks(under: paths.jobDirectory)
        XCTAssertEqual(Set(blocks.map(\.file)), [paths.clientKey, paths.serverKey])
        XCTAssertEqual(blocks.count, 2)
        for block in blocks {
            XCTAssertTrue(block.pem.hasPrefix("-----BEGIN PRIVATE KEY-----"), "PKCS#8 in \(block.file)")
        }
        let caKey = try await publicKey(certificate: paths.serverCA)
        let serverKey = try await publicKey(privateKey: paths.serverKey)
        let clientKey = try await publicKey(privateKey: paths.clientKey)
        let serverCertificateKey = try await publicKey(certificate: paths.serverCertificate)
        let clientCertificateKey = try await publicKey(certificate: paths.clientCertificate)
        XCTAssertEqual(serverKey, serverCertificateKey)
        XCTAssertEqual(clientKey, clientCertificateKey)
        XCTAssertNotEqual(caKey, serverKey)
        XCTAssertNotEqual(caKey, clientKey)
        XCTAssertFalse(caKey.isEmpty)
    }

    func testUnwritableLocationNamesThePath() throws {
        let file = "\(root)/not-a-directory"
        XCTAssertTrue(FileManager.default.createFile(atPath: file, contents: Data()))
        XCTAssertThrowsError(try makeJob("not-a-directory/job_42")) { error in
            let error = error as? TLSCertsError
            XCTAssertEqual(error?.code, .fileSystem)
            XCTAssertEqual(error?.message, "cannot create directory \(file)/job_42: Not a directory")
        }
    }

    func testInvalidAddressIsRefused() throws {
        let authority = try JobCertificateAuthority(jobID: "7", validUntil: Date().addingTimeInterval(60))
        XCTAssertThrowsError(try authority.issueServerCertificate(dnsNames: ["n"], ipAddresses: ["node1"])) { error in
            XCTAssertEqual((error as? TLSCertsError)?.message, "'node1' is not an IPv4 or IPv6 address")
        }
    }
}
