import ChildProcess
import Foundation
import XCTest

/// `pcocc-docker doctor` on the real set-up of scripts/test.sh (Slurm, the guest image, libvirt's session daemon),
/// then on broken ones: each broken part is a FAIL line saying what to do, and the exit status is 1.
final class DoctorTests: XCTestCase {
    func testAGoodSetUpPasses() async throws {
        let system = try SystemTestEnvironment.require()
        let result = try await system.pcoccDocker(["doctor"])
        XCTAssertEqual(result.status, 0, result.outputString + result.errorTail)
        XCTAssertFalse(result.outputString.contains("FAIL"), result.outputString)
        for name in ["configuration", "slurm", "docker CLI", "guest image", "virtualisation", "libvirt", "qemu-img"] {
            XCTAssertTrue(result.outputString.contains(name), "\(name) not checked:\n\(result.outputString)")
        }
        let left = try await system.waitForNoVMProcesses(seconds: 20)
        XCTAssertEqual(left, [], "the libvirt check left its daemon")
    }

    func testABrokenSetUpSaysWhatToFix() async throws {
        let system = try SystemTestEnvironment.require()
        let directory = "/tmp/pcocc-doctor-\(UUID().uuidString.prefix(6))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try "vm:\n  image_dir: /nonexistent/guest\n".write(
            toFile: "\(directory)/site.yaml", atomically: true, encoding: .utf8)
        chmod(directory, 0o755)
        chmod("\(directory)/site.yaml", 0o644)
        let result = try await system.pcoccDocker(
            ["doctor", "--json"],
            environment: [
                "PCOCC_DOCKER_SITE_CONFIG": "\(directory)/site.yaml", "SLURM_CONF": "/nonexistent/slurm.conf",
                "PATH": "/usr/bin:/bin:/usr/sbin:/sbin",
            ])
        XCTAssertEqual(result.status, 1, result.errorTail)
        struct Check: Decodable {
            let name: String
            let status: String
            let hint: String?
        }
        let checks = try JSONDecoder().decode([Check].self, from: result.output)
        func status(_ name: String) -> String? { checks.first { $0.name == name }?.status }
        XCTAssertEqual(status("guest image"), "failed")
        XCTAssertEqual(status("slurm"), "failed")
        XCTAssertEqual(status("configuration"), "ok")
        for check in checks where check.status == "failed" {
            XCTAssertNotNil(check.hint, "\(check.name) fails without saying what to do")
        }
    }
}
