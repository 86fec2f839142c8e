import Foundation
import SiteConfig
import XCTest

final class SiteConfigurationTests: XCTestCase {
    let environment = ["HOME": "/home/alice", "SCRATCH": "/scratch/alice"]
    var root = ""

    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("siteconfig-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: root)
    }

    func testMissingFilesGiveTheBuiltInDefaults() throws {
        let config = try SiteConfiguration.load(environment: [
            "HOME": "/home/alice", "PCOCC_DOCKER_SITE_CONFIG": "\(root)/none.yaml", "PCOCC_USER_CONF_DIR": root,
        ])
        XCTAssertEqual(config.stateDirectory, "/home/alice/.pcocc")
        XCTAssertEqual(config.vm.imageDirectory, "/var/cache/pcocc-docker/guest/current")
        XCTAssertEqual(config.vm.domainType, .auto)
        XCTAssertEqual(config.vm.libvirtURI, "qemu:///session")
        XCTAssertEqual(config.vm.cpus, .allocation)
        XCTAssertEqual(config.vm.memoryMiB, .allocation)
        XCTAssertEqual(config.vm.memoryPerCPUMiB, 2048)
        XCTAssertEqual(config.vm.dataDiskGiB, 20)
        XCTAssertEqual(config.vm.scratchDirectory, "/tmp")
        XCTAssertEqual(config.vm.sharedDirectories, ["/home/alice"])
        XCTAssertEqual(config.vm.dockerIptables, false)
        XCTAssertEqual(config.vm.bindAddress, "0.0.0.0")
        XCTAssertEqual(config.timeouts, TimeoutSection(vmReadySeconds: 300, jobStartSeconds: 0))
    }

    func testDefaultsAreExpandedForThisProcess() {
        let home = ProcessInfo.processInfo.environment["HOME"] ?? "/"
        XCTAssertFalse(SiteConfiguration.defaults.stateDirectory.contains("%{"))
        XCTAssertEqual(SiteConfiguration.defaults.vm.sharedDirectories, [home])
    }

    func testUserFileOverridesTheSiteFileKeyByKey() throws {
        let site = "\(root)/site.yaml"
        let user = "\(root)/user"
        try FileManager.default.createDirectory(atPath: user, withIntermediateDirectories: true)
        try """
            vm:
              cpus: 8
              data_disk_gb: 50
              domain_type: kvm
            timeouts:
              vm_ready: 600
            """.write(toFile: site, atomically: true, encoding: .utf8)
        try """
            vm:
              cpus: allocation
              shared_dirs: [/work, "%{env:SCRATCH}"]
            """.write(toFile: "\(user)/containers.yaml", atomically: true, encoding: .utf8)
        let config = try SiteConfiguration.load(environment: environment.merging([
            "PCOCC_DOCKER_SITE_CONFIG": site, "PCOCC_USER_CONF_DIR": user,
        ]) { $1 })
        XCTAssertEqual(config.vm.cpus, .allocation, "the user's value wins")
        XCTAssertEqual(config.vm.dataDiskGiB, 50, "the site's value stays where the user says nothing")
        XCTAssertEqual(config.vm.domainType, .kvm)
        XCTAssertEqual(config.vm.sharedDirectories, ["/work", "/scratch/alice"])
        XCTAssertEqual(config.timeouts.vmReadySeconds, 600)
        XCTAssertEqual(config.timeouts.jobStartSeconds, 0)
        XCTAssertEqual(config.vm.memoryPerCPUMiB, 2048)
    }

    func testUserFileDefaultsToDotPcoccInHome() throws {
        try FileManager.default.createDirectory(atPath: "\(root)/.pcocc", withIntermediateDirectories: true)
        try "vm: {memory_mb: 4096}\n".write(toFile: "\(root)/.pcocc/containers.yaml", atomically: true, encoding: .utf8)
        let config = try SiteConfiguration.load(environment: [
            "HOME": root, "PCOCC_DOCKER_SITE_CONFIG": "\(root)/none.yaml",
        ])
        XCTAssertEqual(config.vm.memoryMiB, .fixed(4096))
        XCTAssertEqual(config.stateDirectory, "\(root)/.pcocc")
    }

    func testExpansion() throws {
        let yaml = """
            state_dir: "%{env:SCRATCH}/state"
            vm:
              scratch_dir: "%{env:SCRATCH}"
              libvirt_uri: "qemu:///session?home=%{homedir}"
              shared_dirs: ["%{homedir}/data", /opt]
            """
        let config = try SiteConfiguration.parse(
            yaml: yaml, file: "test.yaml", over: SiteConfiguration.defaults, environment: environment)
        XCTAssertEqual(config.stateDirectory, "/scratch/alice/state")
        XCTAssertEqual(config.vm.scratchDirectory, "/scratch/alice")
        XCTAssertEqual(config.vm.libvirtURI, "qemu:///session?home=/home/alice")
        XCTAssertEqual(config.vm.sharedDirectories, ["/home/alice/data", "/opt"])
    }

    func testEmptyFileAndEmptySectionChangeNothing() throws {
        let base = SiteConfiguration.defaults
        for yaml in ["", "# only comments\n", "vm:\n  # cpus: 4\ntimeouts:\n"] {
            XCTAssertEqual(try SiteConfiguration.parse(yaml: yaml, file: "t", over: base, environment: environment), base)
        }
    }

    func testRepositoryExampleIsExactlyTheDefaults() throws {
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("etc/containers.yaml").path
        let yaml = try String(contentsOfFile: file, encoding: .utf8)
        let base = SiteConfiguration(
            stateDirectory: "/elsewhere",
            vm: VMSection(
                imageDirectory: "/x", domainType: .qemu, libvirtURI: "qemu:///system", cpus: .fixed(1),
                memoryMiB: .fixed(1), memoryPerCPUMiB: 1, dataDiskGiB: 1, scratchDirectory: "/y",
                sharedDirectories: [], dockerIptables: true, bindAddress: "127.0.0.1"),
            timeouts: TimeoutSection(vmReadySeconds: 1, jobStartSeconds: 1))
        let parsed = try SiteConfiguration.parse(
            yaml: yaml, file: file, over: base, environment: ProcessInfo.processInfo.environment)
        XCTAssertEqual(parsed, SiteConfiguration.defaults, "every key is in the file, with its default")
    }
}
