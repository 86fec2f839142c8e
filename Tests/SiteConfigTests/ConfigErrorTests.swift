import Foundation
import SiteConfig
import XCTest

final class ConfigErrorTests: XCTestCase {
    let file = "/etc/pcocc-docker/pcocc-docker.yaml"
    let containers = "/etc/pcocc/containers.yaml"

    /// The error a pcocc-docker.yaml `yaml` raises, as the user sees it.
    private func failure(_ yaml: String, environment: [String: String] = ["HOME": "/home/alice"]) -> String {
        do {
            _ = try SiteConfiguration.parseSettings(
                yaml: yaml, file: file, over: SiteConfiguration.defaults.settings, environment: environment)
            return "no error"
        } catch {
            return error.description
        }
    }

    /// The error a containers.yaml `yaml` raises.
    private func pcoccFailure(_ yaml: String) -> String {
        do {
            _ = try SiteConfiguration.parseContainers(
                yaml: yaml, file: containers, over: .defaults, environment: ["HOME": "/h"])
            return "no error"
        } catch {
            return error.description
        }
    }

    func testUnknownKeys() {
        XCTAssertEqual(
            failure("state_directory: /x"),
            "\(file): state_directory: unknown key (known keys: state_dir, vm, network, storage, images, timeouts)")
        XCTAssertTrue(failure("vm:\n  cpu: 4").hasPrefix("\(file): vm.cpu: unknown key (known keys: image_dir,"))
        XCTAssertEqual(
            failure("timeouts: {boot: 3}"),
            "\(file): timeouts.boot: unknown key (known keys: vm_ready, job_start)")
        XCTAssertTrue(
            failure("vm:\n  shared_dirs: [/a]").hasPrefix("\(file): vm.shared_dirs: unknown key"),
            "shared directories are pcocc's docker_mounts now")
    }

    func testWrongTypes() {
        XCTAssertEqual(
            failure("vm:\n  cpus: lots"), "\(file): vm.cpus: expected an integer or \"allocation\", got \"lots\"")
        XCTAssertEqual(
            failure("vm:\n  memory_mb: 0"), "\(file): vm.memory_mb: expected an integer or \"allocation\", got 0")
        XCTAssertEqual(
            failure("vm:\n  data_disk_gb: \"20\""), "\(file): vm.data_disk_gb: expected an integer, got \"20\"")
        XCTAssertEqual(
            failure("vm:\n  data_disk_gb: 0"), "\(file): vm.data_disk_gb: expected an integer of at least 1, got 0")
        XCTAssertEqual(
            failure("timeouts:\n  vm_ready: 2.5"), "\(file): timeouts.vm_ready: expected an integer, got 2.5")
        XCTAssertEqual(
            failure("vm:\n  docker_iptables: maybe"),
            "\(file): vm.docker_iptables: expected true or false, got \"maybe\"")
        XCTAssertEqual(failure("vm:\n  libvirt_uri: 5"), "\(file): vm.libvirt_uri: expected a string, got 5")
        XCTAssertEqual(failure("vm:\n  libvirt_uri:"), "\(file): vm.libvirt_uri: expected a string, got nothing")
        XCTAssertEqual(
            failure("vm:\n  domain_type: xen"),
            "\(file): vm.domain_type: expected one of \"auto\", \"kvm\", \"qemu\", got \"xen\"")
        XCTAssertEqual(
            failure("vm:\n  bind_address: node1"),
            "\(file): vm.bind_address: expected \"node\" (Slurm's NodeAddr) or an IP address, got \"node1\"")
        XCTAssertEqual(failure("vm: 4"), "\(file): vm: expected a mapping, got 4")
        XCTAssertEqual(failure("- a\n- b"), "\(file): expected a mapping, got a list")
    }

    func testNetworkValuesAreCheckedBeforeAnyJob() {
        XCTAssertEqual(
            failure("network:\n  mode: bridged"),
            "\(file): network.mode: expected one of \"nat\", \"none\", got \"bridged\"")
        XCTAssertEqual(
            failure("network:\n  registry_mirrors: [mirror.local:5000]"),
            "\(file): network.registry_mirrors[0]: expected a URL starting with http://, https:// and naming a host, got \"mirror.local:5000\""
        )
        XCTAssertEqual(
            failure("network:\n  dns: [dns.example.com]"),
            "\(file): network.dns[0]: expected an IP address, got \"dns.example.com\"")
        XCTAssertTrue(
            failure("network:\n  http_proxy: proxy:3128").hasPrefix("\(file): network.http_proxy: expected a URL"))
        XCTAssertEqual(failure("network:\n  http_proxy: \"\""), "no error", "an empty proxy means none")
        for bad in ["https://u:p@r.example.org", "https://r.example.org/?q=1", "https://r.example.org/#x"] {
            XCTAssertTrue(
                failure("network:\n  registry_mirrors: [\"\(bad)\"]").contains("without user, query or fragment"), bad)
        }
        let many = (1...17).map { "10.0.0.\($0)" }.joined(separator: ", ")
        XCTAssertEqual(
            failure("network:\n  dns: [\(many)]"), "\(file): network.dns: 17 values: the guest takes at most 16")
        for bad in ["", ":5000", "reg example", "http://10.0.2.2:5000"] {
            XCTAssertTrue(
                pcoccFailure("runtime: {insecure_registries: [\"\(bad)\"]}").contains("without a scheme"), bad)
        }
        XCTAssertEqual(pcoccFailure("runtime: {insecure_registries: [\"[fd00::1]:5000\", 10.0.0.0/8]}"), "no error")
    }

    func testSquashfsCompression() {
        for bad in ["lz4", "gzip:10", "zstd:x", "none:1", ""] {
            XCTAssertEqual(
                failure("images:\n  squashfs_compression: \"\(bad)\""),
                "\(file): images.squashfs_compression: expected none, gzip[:1-9] or zstd[:1-22], got \"\(bad)\"", bad)
        }
        XCTAssertEqual(
            SquashfsCompressionSetting(parsing: "zstd:19"), SquashfsCompressionSetting(kind: .zstd, level: 19))
        XCTAssertEqual(SquashfsCompressionSetting(parsing: "gzip"), SquashfsCompressionSetting(kind: .gzip))
    }

    func testPathsMustBeAbsoluteAfterExpansion() {
        XCTAssertEqual(
            failure("vm:\n  scratch_dir: data"), "\(file): vm.scratch_dir: expected an absolute path, got \"data\"")
        XCTAssertEqual(
            failure("state_dir: \"%{env:REL}\"", environment: ["HOME": "/h", "REL": "rel"]),
            "\(file): state_dir: expected an absolute path, got \"rel\"")
    }

    func testExpansionFailures() {
        XCTAssertEqual(
            failure("state_dir: \"%{env:NOPE}/x\""),
            "\(file): state_dir: %{env:NOPE}: environment variable NOPE is not set")
        XCTAssertEqual(
            failure("state_dir: \"%{home}/x\""),
            "\(file): state_dir: unknown placeholder %{home} (known: %{homedir}, %{user}, %{env:VAR})")
        XCTAssertEqual(
            failure("state_dir: \"%{homedir\""), "\(file): state_dir: unterminated placeholder in \"%{homedir\"")
    }

    func testInvalidYAMLNamesTheFile() {
        let message = failure("vm:\n  cpus: [1, 2\n")
        XCTAssertTrue(message.hasPrefix("\(file): invalid YAML: "), message)
        XCTAssertFalse(message.contains("\n"), message)
        XCTAssertTrue(failure("vm:\n  cpus: 1\n  cpus: 2\n").hasPrefix("\(file): invalid YAML: duplicate key"))
    }

    func testPcoccsSchema() {
        XCTAssertEqual(
            pcoccFailure("timeouts: {vm_ready: 3}"),
            "\(containers): timeouts: unknown key (known keys: runtime, containers, modules)",
            "pcocc-docker's settings do not belong in pcocc's file")
        XCTAssertTrue(pcoccFailure("runtime: {vm: {}}").hasPrefix("\(containers): runtime.vm: unknown key"))
        XCTAssertEqual(
            pcoccFailure("runtime: {image_driver: overlay}"),
            "\(containers): runtime.image_driver: expected one of \"flat\", \"squashfs\", got \"overlay\"")
        XCTAssertEqual(
            pcoccFailure("runtime: {docker_mounts: [{dest: /x}]}"),
            "\(containers): runtime.docker_mounts[0].source: missing (pcocc requires it)")
        XCTAssertEqual(
            pcoccFailure("runtime: {insecure_registries: [\"http://r:5000\"]}"),
            "\(containers): runtime.insecure_registries[0]: expected HOST[:PORT] or an IP range (CIDR) without a scheme, got \"http://r:5000\""
        )
        XCTAssertEqual(pcoccFailure("containers: [a]"), "\(containers): containers: expected a mapping, got a list")
        XCTAssertEqual(pcoccFailure("containers: {x: {anything: [1, 2]}}\nmodules: {}"), "no error")
    }

    func testANamedSiteFileMustExist() {
        XCTAssertThrowsError(
            try SiteConfiguration.load(environment: [
                "HOME": "/h", "PCOCC_DOCKER_SITE_CONFIG": "/nonexistent/pcocc-docker.yaml",
                "PCOCC_USER_CONF_DIR": "/nonexistent",
                "PCOCC_SYSTEM_CONF_DIR": "/nonexistent",
            ])
        ) { error in
            XCTAssertEqual(
                "\(error)",
                "/nonexistent/pcocc-docker.yaml: does not exist (named by PCOCC_DOCKER_SITE_CONFIG): create it or unset the variable"
            )
        }
    }

    func testUnreadableSiteFileIsAnError() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "siteconfig-dir-\(UUID().uuidString)"
        ).path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        XCTAssertThrowsError(
            try SiteConfiguration.load(environment: [
                "HOME": "/h", "PCOCC_DOCKER_SITE_CONFIG": directory, "PCOCC_USER_CONF_DIR": "/nonexistent",
            ])
        ) { error in
            let error = error as? ConfigError
            XCTAssertEqual(error?.file, directory)
            XCTAssertTrue(error?.message.hasPrefix("cannot read") ?? false, "\(String(describing: error))")
        }
    }
}
