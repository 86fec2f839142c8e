import Foundation
import SiteConfig
import XCTest

final class SiteConfigurationTests: XCTestCase {
    let environment = ["HOME": "/home/alice", "SCRATCH": "/scratch/alice"]
    var root = ""

    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("siteconfig-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        // The machine's own /etc/pcocc-docker/pcocc-docker.yaml must not leak in: an empty site file of our own.
        try "".write(toFile: "\(root)/empty-site.yaml", atomically: true, encoding: .utf8)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: root)
    }

    /// The environment of a user whose files live under `root`.
    func userEnvironment(_ extra: [String: String] = [:]) -> [String: String] {
        environment.merging([
            "PCOCC_SYSTEM_CONF_DIR": "\(root)/system", "PCOCC_USER_CONF_DIR": "\(root)/user",
            "PCOCC_DOCKER_SITE_CONFIG": "\(root)/empty-site.yaml",
        ]) { $1 }.merging(extra) { $1 }
    }

    func write(_ text: String, _ relative: String) throws {
        let path = "\(root)/\(relative)"
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    func testMissingFilesGiveTheBuiltInDefaults() throws {
        let config = try SiteConfiguration.load(environment: userEnvironment())
        XCTAssertEqual(config.stateDirectory, "/home/alice/.pcocc")
        XCTAssertEqual(config.vm.imageDirectory, "/var/cache/pcocc-docker/guest/current")
        XCTAssertEqual(config.vm.domainType, .auto)
        XCTAssertEqual(config.vm.libvirtURI, "qemu:///session")
        XCTAssertEqual(config.vm.cpus, .allocation)
        XCTAssertEqual(config.vm.memoryMiB, .allocation)
        XCTAssertEqual(config.vm.memoryPerCPUMiB, 2048)
        XCTAssertEqual(config.vm.dataDiskGiB, 20)
        XCTAssertEqual(config.vm.scratchDirectory, "/tmp")
        XCTAssertEqual(config.vm.dockerIptables, false)
        XCTAssertEqual(config.vm.bindAddress, .nodeAddress)
        XCTAssertEqual(config.network.mode, .nat)
        XCTAssertEqual(config.timeouts, TimeoutSection(vmReadySeconds: 300, jobStartSeconds: 0))
        XCTAssertEqual(config.pcocc, PcoccRuntime.defaults)
        XCTAssertEqual(config.pcocc.imageDriver, .flat, "pcocc's default driver")
        XCTAssertEqual(config.sharedDirectories, [DockerMount(source: "/home/alice")], "the home directory by default")
        XCTAssertEqual(config.files, ["\(root)/empty-site.yaml"])
    }

    func testUserSettingsOverrideTheSiteFileKeyByKey() throws {
        try write(
            """
            vm:
              cpus: 8
              data_disk_gb: 50
              domain_type: kvm
            timeouts:
              vm_ready: 600
            """, "site.yaml")
        try write(
            """
            vm:
              cpus: allocation
              scratch_dir: "%{env:SCRATCH}"
            network:
              mode: none
            """, "user/pcocc-docker.yaml")
        let config = try SiteConfiguration.load(
            environment: userEnvironment(["PCOCC_DOCKER_SITE_CONFIG": "\(root)/site.yaml"]))
        XCTAssertEqual(config.vm.cpus, .allocation, "the user's value wins")
        XCTAssertEqual(config.vm.dataDiskGiB, 50, "the site's value stays where the user says nothing")
        XCTAssertEqual(config.vm.domainType, .kvm)
        XCTAssertEqual(config.vm.scratchDirectory, "/scratch/alice")
        XCTAssertEqual(config.network.mode, .none)
        XCTAssertEqual(config.timeouts.vmReadySeconds, 600)
        XCTAssertEqual(config.files, ["\(root)/site.yaml", "\(root)/user/pcocc-docker.yaml"])
    }

    /// pcocc's own example and a user file with `containers:` and `modules:`, as pcocc's users have them.
    func testPcoccsContainersYAMLIsReadWithPcoccsSchema() throws {
        try write(
            """
            runtime: {docker_template: docker-vm, docker_mounts: [{source: /home}], image_driver: flat}
            """, "system/containers.yaml")
        try write(
            """
            containers:
              default:
                ns: [mount, uts]
              centos:
                inherits: default
                env: [FOO=bar]
            modules:
              gpu:
                mounts:
                  - {source: /dev/nvidia0, destination: /dev/nvidia0}
            runtime:
              image_driver: squashfs
              image_mountpoints: [/scratch/, /etc/hosts]
              docker_path: /opt/docker/bin
              docker_resolve_address: true
              insecure_registries: [registry.local:5000, 10.0.0.0/8]
              default_registry: registry.local:5000
            """, "user/containers.yaml")
        let config = try SiteConfiguration.load(environment: userEnvironment())
        XCTAssertEqual(config.pcocc.dockerTemplate, "docker-vm")
        XCTAssertEqual(config.pcocc.dockerMounts, [DockerMount(source: "/home", destination: "/home")])
        XCTAssertEqual(config.sharedDirectories, [DockerMount(source: "/home")], "docker_mounts are the VM's shares")
        XCTAssertEqual(config.pcocc.imageDriver, .squashfs, "the user's file overrides the system's key by key")
        XCTAssertEqual(config.pcocc.imageMountpoints, ["/scratch/", "/etc/hosts"])
        XCTAssertEqual(config.pcocc.dockerPath, "/opt/docker/bin")
        XCTAssertTrue(config.pcocc.dockerResolveAddress)
        XCTAssertEqual(config.pcocc.insecureRegistries, ["registry.local:5000", "10.0.0.0/8"])
        XCTAssertEqual(config.pcocc.defaultRegistry, "registry.local:5000")
        XCTAssertEqual(
            config.files,
            [
                "\(root)/system/containers.yaml", "\(root)/user/containers.yaml", "\(root)/empty-site.yaml",
            ])
    }

    func testDockerMountsMayNameADestination() throws {
        try write(
            "runtime:\n  docker_mounts:\n    - {source: /scratch/alice, dest: /scratch}\n    - source: /work\n      extra: kept by pcocc\n",
            "user/containers.yaml")
        let config = try SiteConfiguration.load(environment: userEnvironment())
        XCTAssertEqual(
            config.sharedDirectories,
            [
                DockerMount(source: "/scratch/alice", destination: "/scratch"), DockerMount(source: "/work"),
            ])
        try write("runtime:\n  docker_mounts: []\n", "user/containers.yaml")
        XCTAssertEqual(
            try SiteConfiguration.load(environment: userEnvironment()).sharedDirectories, [],
            "none, if the site says so")
    }

    func testNetworkSettings() throws {
        try write(
            """
            network:
              registry_mirrors: ["http://10.0.2.2:5000", "https://mirror.example.com"]
              dns: [10.0.0.53, "fd00::53"]
              http_proxy: "http://proxy:3128"
              https_proxy: ""
              no_proxy: "localhost, .example.com"
            """, "user/pcocc-docker.yaml")
        let network = try SiteConfiguration.load(environment: userEnvironment()).network
        XCTAssertEqual(network.registryMirrors, ["http://10.0.2.2:5000", "https://mirror.example.com"])
        XCTAssertEqual(network.dns, ["10.0.0.53", "fd00::53"])
        XCTAssertEqual(network.noProxy, "localhost,.example.com")
        let proxies = try ProxySettings.resolve(
            network, environment: ["HTTPS_PROXY": "http://ignored:1", "NO_PROXY": "x"])
        XCTAssertEqual(
            proxies, ProxySettings(httpProxy: "http://proxy:3128", httpsProxy: nil, noProxy: "localhost,.example.com"))
    }

    func testProxiesDefaultToTheSubmittingEnvironment() throws {
        let network = SiteConfiguration.defaults.network
        let proxies = try ProxySettings.resolve(
            network, environment: ["http_proxy": "http://p:3128", "NO_PROXY": ".site"])
        XCTAssertEqual(proxies, ProxySettings(httpProxy: "http://p:3128", httpsProxy: nil, noProxy: ".site"))
        XCTAssertThrowsError(try ProxySettings.resolve(network, environment: ["HTTPS_PROXY": "proxy:3128"])) { error in
            XCTAssertTrue("\(error)".hasPrefix("the environment: HTTPS_PROXY: expected a URL"), "\(error)")
        }
    }

    func testEmptyFileAndEmptySectionChangeNothing() throws {
        let base = SiteConfiguration.defaults.settings
        for yaml in ["", "# only comments\n", "vm:\n  # cpus: 4\ntimeouts:\n"] {
            XCTAssertEqual(
                try SiteConfiguration.parseSettings(yaml: yaml, file: "t", over: base, environment: environment), base)
        }
        XCTAssertEqual(
            try SiteConfiguration.parseContainers(yaml: "", file: "t", over: .defaults, environment: environment),
            .defaults)
    }

    func testRepositoryFilesAreTheDefaults() throws {
        let etc = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("etc").path
        let settings = try String(contentsOfFile: "\(etc)/pcocc-docker.yaml", encoding: .utf8)
        var other = SiteConfiguration.defaults.settings
        other.stateDirectory = "/elsewhere"
        other.vm = VMSection(
            imageDirectory: "/x", domainType: .qemu, libvirtURI: "qemu:///system", cpus: .fixed(1),
            memoryMiB: .fixed(1),
            memoryPerCPUMiB: 1, dataDiskGiB: 1, scratchDirectory: "/y", dockerIptables: true,
            bindAddress: .address("127.0.0.1"))
        other.network = NetworkSection(
            mode: .none, registryMirrors: ["http://m"], dns: ["1.1.1.1"], httpProxy: nil, httpsProxy: nil, noProxy: nil)
        other.storage = StorageSection(persistent: true, path: "/z", sizeGiB: 1)
        other.images = ImagesSection(squashfsCompression: SquashfsCompressionSetting(kind: .zstd, level: 9))
        other.timeouts = TimeoutSection(vmReadySeconds: 1, jobStartSeconds: 1)
        let parsed = try SiteConfiguration.parseSettings(
            yaml: settings, file: "pcocc-docker.yaml", over: other, environment: ProcessInfo.processInfo.environment)
        XCTAssertEqual(parsed, SiteConfiguration.defaults.settings, "every key is in the file, with its default")

        let containers = try String(contentsOfFile: "\(etc)/containers.yaml", encoding: .utf8)
        let runtime = try SiteConfiguration.parseContainers(
            yaml: containers, file: "containers.yaml", over: .defaults, environment: environment)
        XCTAssertEqual(runtime, .defaults, "the example states pcocc's defaults")
    }
}
