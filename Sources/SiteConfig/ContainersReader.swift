import Yams

/// Reads one pcocc containers.yaml with pcocc's own schema (ContainerConfig / ContainerRuntimeConfig): top-level
/// keys `runtime`, `containers` and `modules` only; `runtime` keys with pcocc's types, each replacing the value of
/// the files read before it (pcocc's system file, then the user's). `containers` and `modules` belong to
/// `pcocc run`: they must be mappings, as pcocc requires, and are otherwise not looked at.
struct ContainersReader {
    let fields: YAMLFields

    static let topKeys = ["runtime", "containers", "modules"]
    static let runtimeKeys = [
        "default_registry", "insecure_registries", "tmp_mem_path", "tmp_mem_limit", "image_driver",
        "image_mountpoints", "docker_path", "docker_resolve_address", "docker_template", "docker_mounts",
    ]

    func apply(_ yaml: String, to base: PcoccRuntime) throws(ConfigError) -> PcoccRuntime {
        var result = base
        for (key, value) in try fields.entries(of: try fields.compose(yaml), at: "", known: Self.topKeys) {
            if key == "runtime" {
                result = try runtime(value, over: result)
            } else if !value.isTagged(.null), value.mapping == nil {
                throw fields.mismatch(key, expected: "a mapping", value)
            }
        }
        return result
    }

    private func runtime(_ node: Node, over base: PcoccRuntime) throws(ConfigError) -> PcoccRuntime {
        var runtime = base
        for (key, value) in try fields.entries(of: node, at: "runtime", known: Self.runtimeKeys) {
            let at = "runtime.\(key)"
            switch key {
            case "default_registry": runtime.defaultRegistry = try registry(value, at: at)
            case "insecure_registries":
                runtime.insecureRegistries = try NetworkValues.checkCount(
                    try fields.list(value, at: at, of: "registries") { (item, path) throws(ConfigError) in
                        try registry(item, at: path)
                    }, at: at, in: fields)
            case "tmp_mem_path": runtime.tmpMemPath = try fields.literal(value, at: at)
            case "tmp_mem_limit": runtime.tmpMemLimit = try fields.integer(value, at: at, minimum: Int.min)
            case "image_driver": runtime.imageDriver = try fields.choice(value, at: at, ImageDriver.self)
            case "image_mountpoints":
                runtime.imageMountpoints = try fields.list(value, at: at, of: "paths") {
                    (item, path) throws(ConfigError) in
                    try fields.absolute(try fields.literal(item, at: path), at: path)
                }
            case "docker_path": runtime.dockerPath = try fields.path(value, at: at)
            case "docker_resolve_address": runtime.dockerResolveAddress = try fields.bool(value, at: at)
            case "docker_template": runtime.dockerTemplate = try fields.literal(value, at: at)
            default: runtime.dockerMounts = try mounts(value, at: at)
            }
        }
        return runtime
    }

    private func registry(_ node: Node, at path: String) throws(ConfigError) -> String {
        let value = try fields.literal(node, at: path)
        if let problem = NetworkValues.registryProblem(value) {
            throw fields.invalid(path, "\(problem), got \"\(value)\"")
        }
        return value
    }

    /// `[{source, dest}]`; pcocc requires `source`, and ignores other keys of an item.
    private func mounts(_ node: Node, at path: String) throws(ConfigError) -> [DockerMount] {
        try fields.list(node, at: path, of: "{source, dest} mappings") { (item, itemPath) throws(ConfigError) in
            guard let mapping = item.mapping else {
                throw fields.mismatch(itemPath, expected: "a mapping with source", item)
            }
            guard let source = mapping["source"] else {
                throw fields.invalid("\(itemPath).source", "missing (pcocc requires it)")
            }
            let sourcePath = try fields.path(source, at: "\(itemPath).source")
            let destination = try mapping["dest"].map { (dest) throws(ConfigError) in
                try fields.path(dest, at: "\(itemPath).dest")
            }
            return DockerMount(source: sourcePath, destination: destination)
        }
    }
}
