import ChildProcess
import Foundation
import TLSCerts
import XCTest

/// Mutual TLS with the written files, as docker and dockerd will use them.
/// Starts `openssl s_server` on 127.0.0.1 (a free port) for the duration of the test; connects with curl.
final class TLSHandshakeTests: CertificateTestCase {
    func testOnlyAClientCertificateOfTheSameJobIsAccepted() async throws {
        let paths = try makeJob()
        let foreign = try makeJob("job_43", jobID: "43")
        let port = try freePort()
        let url = "https://127.0.0.1:\(port)/"
        let server = [
            "s_server", "-accept", "127.0.0.1:\(port)", "-cert", paths.serverCertificate,
            "-key", paths.serverKey, "-CAfile", paths.serverCA, "-Verify", "1", "-www", "-quiet",
            // Without it s_server logs a failed client verification and carries on; dockerd (Go) refuses.
            "-verify_return_error",
        ]
        // withBackground stops s_server when the closure returns or throws, so no path leaks it.
        let (outcome, _) = try await ChildProcess.withBackground(
            "openssl", server, logFile: "\(root)/s_server.log", gracePeriod: .seconds(1)
        ) { process -> [String: Int32] in
            var statuses: [String: Int32] = [:]
            try await Self.waitForListener(port: port, while: process)
            statuses["same job"] = try await Self.curl(
                url,
                [
                    "--cacert", paths.clientCA, "--cert", paths.clientCertificate, "--key", paths.clientKey,
                ])
            statuses["no client certificate"] = try await Self.curl(url, ["--cacert", paths.clientCA])
            statuses["other job"] = try await Self.curl(
                url,
                [
                    "--cacert", paths.clientCA, "--cert", foreign.clientCertificate, "--key", foreign.clientKey,
                ])
            statuses["server from another CA"] = try await Self.curl(
                url,
                [
                    "--cacert", foreign.clientCA, "--cert", paths.clientCertificate, "--key", paths.clientKey,
                ])
            return statuses
        }
        let log = (try? String(contentsOfFile: "\(root)/s_server.log", encoding: .utf8)) ?? ""
        XCTAssertEqual(outcome["same job"], 0, log)
        XCTAssertNotEqual(outcome["no client certificate"], 0)
        XCTAssertNotEqual(outcome["other job"], 0)
        XCTAssertNotEqual(outcome["server from another CA"], 0)
    }

    private static func curl(_ url: String, _ arguments: [String]) async throws -> Int32 {
        try await ChildProcess.run(
            "curl", ["--silent", "--show-error", "--fail", "--max-time", "10"] + arguments + [url]
        ).status
    }

    /// A port nothing listens on now: bind to port 0 and read what the kernel chose.
    private func freePort() throws -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EMFILE) }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard bound else { throw POSIXError(.EADDRNOTAVAIL) }
        return UInt16(bigEndian: address.sin_port)
    }

    /// Waits until s_server accepts TCP connections, failing early if it exited.
    private static func waitForListener(port: UInt16, while process: BackgroundProcess) async throws {
        for _ in 0..<100 {
            guard process.isRunning else {
                XCTFail("openssl s_server exited before listening: the certificate or key it was given is unusable")
                throw CancellationError()
            }
            if canConnect(port: port) { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        XCTFail("openssl s_server did not listen on port \(port) within 10 s")
    }

    private static func canConnect(port: UInt16) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }
}
