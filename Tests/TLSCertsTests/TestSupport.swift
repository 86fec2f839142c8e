import ChildProcess
import Foundation
import TLSCerts
import XCTest

/// A job directory under a fresh temporary directory, removed by `tearDown`.
class CertificateTestCase: XCTestCase {
    var root = ""

    override func setUpWithError() throws {
        root =
            FileManager.default.temporaryDirectory
            .appendingPathComponent("tlscerts-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: root)
    }

    /// Writes a job's certificates into `<root>/<name>` (the job directory does not exist yet).
    func makeJob(
        _ name: String = "job_42", jobID: String = "42", end: Date? = Date().addingTimeInterval(3600)
    ) throws -> JobCertificatePaths {
        try JobCertificates.create(
            jobDirectory: "\(root)/\(name)", jobID: jobID, userName: "alice",
            serverNames: ["node1.cluster"], serverAddresses: ["192.0.2.7", "2001:db8::7"], validUntil: end)
    }

    /// Runs openssl and returns its result, whatever its status.
    func openssl(_ arguments: [String]) async throws -> ProcessResult {
        try await ChildProcess.run("openssl", arguments)
    }

    func mode(of path: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return (attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1
    }

    /// Every "-----BEGIN ... PRIVATE KEY-----" block in the files under `directory`, with the file it is in.
    func privateKeyBlocks(under directory: String) throws -> [(file: String, pem: String)] {
        var blocks: [(String, String)] = []
        let enumerator = FileManager.default.enumerator(atPath: directory)
        while let relative = enumerator?.nextObject() as? String {
            let path = "\(directory)/\(relative)"
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue
            else { continue }
            let text = String(decoding: try Data(contentsOf: URL(fileURLWithPath: path)), as: UTF8.self)
            var rest = Substring(text)
            while let begin = rest.range(of: "-----BEGIN "),
                let end = rest.range(of: "-----END ", range: begin.upperBound..<rest.endIndex)
            {
                let block = String(rest[begin.lowerBound..<end.upperBound])
                if block.contains("PRIVATE KEY") { blocks.append((path, block)) }
                rest = rest[end.upperBound...]
            }
        }
        return blocks
    }

    /// The public key of a certificate or private key file, as openssl prints it.
    func publicKey(certificate path: String) async throws -> String {
        let result = try await openssl(["x509", "-in", path, "-noout", "-pubkey"])
        XCTAssertEqual(result.status, 0, result.errorTail)
        return result.outputString
    }

    func publicKey(privateKey path: String) async throws -> String {
        let result = try await openssl(["pkey", "-in", path, "-pubout"])
        XCTAssertEqual(result.status, 0, result.errorTail)
        return result.outputString
    }

    /// "notAfter=Jan  7 12:00:00 2026 GMT" as openssl prints it.
    func notAfter(of path: String) async throws -> Date? {
        let result = try await openssl(["x509", "-in", path, "-noout", "-enddate"])
        let text = result.outputString.trimmingCharacters(in: .whitespacesAndNewlines)
            .replacingOccurrences(of: "notAfter=", with: "")
            .split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "MMM d HH:mm:ss yyyy 'GMT'"
        return formatter.date(from: text)
    }
}
