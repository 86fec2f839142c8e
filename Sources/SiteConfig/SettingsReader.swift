import HostSystem
import Yams

/// Reads one pcocc-docker.yaml over the settings read so far: each key present replaces the value below it.
struct SettingsReader {
    let fields: YAMLFields

    static let topKeys = ["state_dir", "vm", "network", "storage", "images", "timeouts"]
    static let vmKeys = [
        "image_dir", "domain_type", "libvirt_uri", "cpus", "memory_mb", "memory_per_cpu_mb", "data_disk_gb",
        "scratch_dir", "docker_iptables", "bind_address", "start",
    ]
    static let networkKeys = ["mode", "registry_mirrors", "dns", "http_proxy", "https_proxy", "no_proxy"]
    static let storageKeys = ["persistent", "path", "size_gb"]
    static let imagesKeys = ["squashfs_compression"]
    static let timeoutKeys = ["vm_ready", "job_start"]

    func apply(_ yaml: String, to base: DockerSettings) throws(ConfigError) -> DockerSettings {
        var result = base
        for (key, value) in try fields.entries(of: try fields.compose(yaml), at: "", known: Self.topKeys) {
            switch key {
            case "state_dir": result.stateDirectory = try fields.path(value, at: key)
            case "vm": result.vm = try vm(value, over: result.vm)
            case "network": result.network = try network(value, over: result.network)
            case "storage": result.storage = try storage(value, over: result.storage)
            case "images": result.images = try images(value, over: result.images)
            default: result.timeouts = try timeouts(value, over: result.timeouts)
            }
        }
        return result
    }

    private func vm(_ node: Node, over base: VMSection) throws(ConfigError) -> VMSection {
        var vm = base
        for (key, value) in try fields.entries(of: node, at: "vm", known: Self.vmKeys) {
            let at = "vm.\(key)"
            switch key {
            case "image_dir": vm.imageDirectory = try fields.path(value, at: at)
            case "domain_type": vm.domainType = try fields.choice(value, at: at, DomainType.self)
            case "libvirt_uri": vm.libvirtURI = try fields.string(value, at: at)
            case "cpus": vm.cpus = try resource(value, at: at)
            case "memory_mb": vm.memoryMiB = try resource(value, at: at)
            case "memory_per_cpu_mb": vm.memoryPerCPUMiB = try fields.integer(value, at: at, minimum: 1)
            case "data_disk_gb": vm.dataDiskGiB = try fields.integer(value, at: at, minimum: 1)
            case "scratch_dir": vm.scratchDirectory = try fields.path(value, at: at)
            case "docker_iptables": vm.dockerIptables = try fields.bool(value, at: at)
            case "start": vm.start = try fields.choice(value, at: at, VMStart.self)
            default: vm.bindAddress = try bindAddress(value, at: at)
            }
        }
        return vm
    }

    private func network(_ node: Node, over base: NetworkSection) throws(ConfigError) -> NetworkSection {
        var network = base
        for (key, value) in try fields.entries(of: node, at: "network", known: Self.networkKeys) {
            let at = "network.\(key)"
            switch key {
            case "mode": network.mode = try fields.choice(value, at: at, NetworkMode.self)
            case "registry_mirrors":
                network.registryMirrors = try NetworkValues.checkCount(
                    try fields.list(value, at: at, of: "URLs") { (item, path) throws(ConfigError) in
                        try NetworkValues.url(
                            try fields.string(item, at: path), at: path, in: fields, schemes: ["http", "https"],
                            mirror: true)
                    }, at: at, in: fields)
            case "dns":
                network.dns = try NetworkValues.checkCount(
                    try fields.list(value, at: at, of: "IP addresses") { (item, path) throws(ConfigError) in
                        try fields.ipAddress(item, at: path)
                    }, at: at, in: fields)
            case "http_proxy": network.httpProxy = try proxy(value, at: at)
            case "https_proxy": network.httpsProxy = try proxy(value, at: at)
            default: network.noProxy = try NetworkValues.noProxy(try fields.string(value, at: at), at: at, in: fields)
            }
        }
        return network
    }

    private func storage(_ node: Node, over base: StorageSection) throws(ConfigError) -> StorageSection {
        var storage = base
        for (key, value) in try fields.entries(of: node, at: "storage", known: Self.storageKeys) {
            let at = "storage.\(key)"
            switch key {
            case "persistent": storage.persistent = try fields.bool(value, at: at)
            case "path": storage.path = try fields.path(value, at: at)
            default: storage.sizeGiB = try fields.integer(value, at: at, minimum: 1)
            }
        }
        return storage
    }

    private func images(_ node: Node, over base: ImagesSection) throws(ConfigError) -> ImagesSection {
        var images = base
        for (_, value) in try fields.entries(of: node, at: "images", known: Self.imagesKeys) {
            let text = try fields.literal(value, at: "images.squashfs_compression")
            guard let setting = SquashfsCompressionSetting(parsing: text) else {
                throw fields.mismatch(
                    "images.squashfs_compression", expected: SquashfsCompressionSetting.accepted, value)
            }
            images.squashfsCompression = setting
        }
        return images
    }

    private func timeouts(_ node: Node, over base: TimeoutSection) throws(ConfigError) -> TimeoutSection {
        var timeouts = base
        for (key, value) in try fields.entries(of: node, at: "timeouts", known: Self.timeoutKeys) {
            if key == "vm_ready" {
                timeouts.vmReadySeconds = try fields.integer(value, at: "timeouts.vm_ready", minimum: 1)
            } else {
                timeouts.jobStartSeconds = try fields.integer(value, at: "timeouts.job_start", minimum: 0)
            }
        }
        return timeouts
    }

    private func resource(_ node: Node, at path: String) throws(ConfigError) -> ResourceSetting {
        if node.isTagged(.str), node.string == "allocation" { return .allocation }
        guard node.isTagged(.int), let value = node.int, value >= 1 else {
            throw fields.mismatch(path, expected: "an integer or \"allocation\"", node)
        }
        return .fixed(value)
    }

    private func bindAddress(_ node: Node, at path: String) throws(ConfigError) -> BindAddress {
        if node.isTagged(.str), node.string == "node" { return .nodeAddress }
        guard node.isTagged(.str), let value = node.string, HostNetwork.isIPAddress(value) else {
            throw fields.mismatch(path, expected: "\"node\" (Slurm's NodeAddr) or an IP address", node)
        }
        return .address(value)
    }

    /// A proxy URL, or "" for no proxy.
    private func proxy(_ node: Node, at path: String) throws(ConfigError) -> String {
        let value = try fields.string(node, at: path)
        if value.isEmpty { return value }
        return try NetworkValues.url(value, at: path, in: fields, schemes: NetworkValues.proxySchemes)
    }
}
