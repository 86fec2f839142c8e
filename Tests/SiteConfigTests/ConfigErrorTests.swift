import SiteConfig
import XCTest

final class ConfigErrorTests: XCTestCase {
    let file = "/etc/pcocc-docker/containers.yaml"

    /// The error `yaml` raises, as the user sees it.
    private func failure(_ yaml: String, environment: [String: String] = ["HOME": "/home/alice"]) -> String {
        do {
            _ = try SiteConfiguration.parse(yaml: yaml, file: file, over: .defaults, environment: environment)
            return "no error"
        } catch {
            return error.description
        }
    }

    func testUnknownKeys() {
        XCTAssertEqual(failure("state_directory: /x"),
                       "\(file): state_directory: unknown key (known keys: state_dir, vm, timeouts)")
        XCTAssertTrue(failure("vm:\n  cpu: 4").hasPrefix("\(file): vm.cpu: unknown key (known keys: image_dir,"))
        XCTAssertEqual(failure("timeouts: {boot: 3}"),
                       "\(file): timeouts.boot: unknown key (known keys: vm_ready, job_start)")
    }

    func testWrongTypes() {
        XCTAssertEqual(failure("vm:\n  cpus: lots"), "\(file): vm.cpus: expected an integer or \"allocation\", got \"lots\"")
        XCTAssertEqual(failure("vm:\n  memory_mb: 0"), "\(file): vm.memory_mb: expected an integer or \"allocation\", got 0")
        XCTAssertEqual(failure("vm:\n  data_disk_gb: \"20\""), "\(file): vm.data_disk_gb: expected an integer, got \"20\"")
        XCTAssertEqual(failure("vm:\n  data_disk_gb: 0"), "\(file): vm.data_disk_gb: expected an integer of at least 1, got 0")
        XCTAssertEqual(failure("timeouts:\n  vm_ready: 2.5"), "\(file): timeouts.vm_ready: expected an integer, got 2.5")
        XCTAssertEqual(failure("vm:\n  docker_iptables: maybe"), "\(file): vm.docker_iptables: expected true or false, got \"maybe\"")
        XCTAssertEqual(failure("vm:\n  libvirt_uri: 5"), "\(file): vm.libvirt_uri: expected a string, got 5")
        XCTAssertEqual(failure("vm:\n  libvirt_uri:"), "\(file): vm.libvirt_uri: expected a string, got nothing")
        XCTAssertEqual(failure("vm:\n  shared_dirs: /home"), "\(file): vm.shared_dirs: expected a list of paths, got \"/home\"")
        XCTAssertEqual(failure("vm:\n  shared_dirs: [/a, [/b]]"), "\(file): vm.shared_dirs[1]: expected a path, got a list")
        XCTAssertEqual(failure("vm:\n  domain_type: xen"),
                       "\(file): vm.domain_type: expected one of \"auto\", \"kvm\", \"qemu\", got \"xen\"")
        XCTAssertEqual(failure("vm:\n  bind_address: node1"), "\(file): vm.bind_address: expected an IP address, got \"node1\"")
        XCTAssertEqual(failure("vm: 4"), "\(file): vm: expected a mapping, got 4")
        XCTAssertEqual(failure("- a\n- b"), "\(file): expected a mapping, got a list")
    }

    func testPathsMustBeAbsoluteAfterExpansion() {
        XCTAssertEqual(failure("vm:\n  shared_dirs: [data]"), "\(file): vm.shared_dirs[0]: expected an absolute path, got \"data\"")
        XCTAssertEqual(failure("state_dir: \"%{env:REL}\"", environment: ["HOME": "/h", "REL": "rel"]),
                       "\(file): state_dir: expected an absolute path, got \"rel\"")
    }

    func testExpansionFailures() {
        XCTAssertEqual(failure("state_dir: \"%{env:NOPE}/x\""),
                       "\(file): state_dir: %{env:NOPE}: environment variable NOPE is not set")
        XCTAssertEqual(failure("state_dir: \"%{home}/x\""),
                       "\(file): state_dir: unknown placeholder %{home} (known: %{homedir}, %{env:VAR})")
        XCTAssertEqual(failure("state_dir: \"%{homedir\""), "\(file): state_dir: unterminated placeholder in \"%{homedir\"")
    }

    func testInvalidYAMLNamesTheFile() {
        let message = failure("vm:\n  cpus: [1, 2\n")
        XCTAssertTrue(message.hasPrefix("\(file): invalid YAML: "), message)
        XCTAssertFalse(message.contains("\n"), message)
        XCTAssertTrue(failure("vm:\n  cpus: 1\n  cpus: 2\n").hasPrefix("\(file): invalid YAML: duplicate key"))
    }

    func testUnreadableSiteFileIsAnError() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("siteconfig-dir-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        XCTAssertThrowsError(try SiteConfiguration.load(environment: ["HOME": "/h", "PCOCC_DOCKER_SITE_CONFIG": directory])) { error in
            let error = error as? ConfigError
            XCTAssertEqual(error?.file, directory)
            XCTAssertTrue(error?.message.hasPrefix("cannot read") ?? false, "\(String(describing: error))")
        }
    }
}
