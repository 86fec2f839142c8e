import Yams

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads one containers.yaml over a base configuration, checking every key and type.
///
/// Strict on purpose: a misspelled key or a quoted number in a site file would otherwise be
/// silently ignored and surface much later as a VM of the wrong size.
struct ConfigReader {
    let file: String
    let expansion: Expansion

    static let topKeys = ["state_dir", "vm", "timeouts"]
    static let vmKeys = [
        "image_dir", "domain_type", "libvirt_uri", "cpus", "memory_mb", "memory_per_cpu_mb", "data_disk_gb",
        "scratch_dir", "shared_dirs", "docker_iptables", "bind_address",
    ]
    static let timeoutKeys = ["vm_ready", "job_start"]

    func compose(_ yaml: String) throws(ConfigError) -> Node? {
        do {
            return try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            throw ConfigError(file: file, key: "", message: "invalid YAML: \(Self.summary(of: error))")
        } catch {
            throw ConfigError(file: file, key: "", message: "invalid YAML: \(error)")
        }
    }

    func apply(_ root: Node?, to base: SiteConfiguration) throws(ConfigError) -> SiteConfiguration {
        var result = base
        for (key, value) in try entries(of: root, at: "", known: Self.topKeys) {
            switch key {
            case "state_dir": result.stateDirectory = try path(value, at: key)
            case "vm": result.vm = try vm(value, over: result.vm)
            default: result.timeouts = try timeouts(value, over: result.timeouts)
            }
        }
        return result
    }

    private func vm(_ node: Node, over base: VMSection) throws(ConfigError) -> VMSection {
        var vm = base
        for (key, value) in try entries(of: node, at: "vm", known: Self.vmKeys) {
            let at = "vm.\(key)"
            switch key {
            case "image_dir": vm.imageDirectory = try path(value, at: at)
            case "domain_type": vm.domainType = try domainType(value, at: at)
            case "libvirt_uri": vm.libvirtURI = try string(value, at: at)
            case "cpus": vm.cpus = try setting(value, at: at)
            case "memory_mb": vm.memoryMiB = try setting(value, at: at)
            case "memory_per_cpu_mb": vm.memoryPerCPUMiB = try integer(value, at: at, minimum: 1)
            case "data_disk_gb": vm.dataDiskGiB = try integer(value, at: at, minimum: 1)
            case "scratch_dir": vm.scratchDirectory = try path(value, at: at)
            case "shared_dirs": vm.sharedDirectories = try paths(value, at: at)
            case "docker_iptables": vm.dockerIptables = try bool(value, at: at)
            default: vm.bindAddress = try ipAddress(value, at: at)
            }
        }
        return vm
    }

    private func timeouts(_ node: Node, over base: TimeoutSection) throws(ConfigError) -> TimeoutSection {
        var timeouts = base
        for (key, value) in try entries(of: node, at: "timeouts", known: Self.timeoutKeys) {
            if key == "vm_ready" {
                timeouts.vmReadySeconds = try integer(value, at: "timeouts.vm_ready", minimum: 1)
            } else {
                timeouts.jobStartSeconds = try integer(value, at: "timeouts.job_start", minimum: 0)
            }
        }
        return timeouts
    }

    // MARK: Typed values

    /// The pairs of a mapping, every key checked against `known`. An empty section
    /// (every key commented out) is a YAML null and changes nothing.
    private func entries(of node: Node?, at path: String, known: [String]) throws(ConfigError) -> [(String, Node)] {
        guard let node, !node.isTagged(.null) else { return [] }
        guard case .mapping(let mapping) = node else {
            throw mismatch(path.isEmpty ? "" : path, expected: "a mapping", node)
        }
        var result: [(String, Node)] = []
        for (keyNode, value) in mapping {
            guard keyNode.isTagged(.str), let key = keyNode.string else {
                throw mismatch(path, expected: "string keys", keyNode)
            }
            let keyPath = path.isEmpty ? key : "\(path).\(key)"
            guard known.contains(key) else {
                throw ConfigError(file: file, key: keyPath, message: "unknown key (known keys: \(known.joined(separator: ", ")))")
            }
            result.append((key, value))
        }
        return result
    }

    private func integer(_ node: Node, at path: String, minimum: Int) throws(ConfigError) -> Int {
        guard node.isTagged(.int), let value = node.int else { throw mismatch(path, expected: "an integer", node) }
        guard value >= minimum else { throw mismatch(path, expected: "an integer of at least \(minimum)", node) }
        return value
    }

    private func bool(_ node: Node, at path: String) throws(ConfigError) -> Bool {
        guard node.isTagged(.bool), let value = node.bool else { throw mismatch(path, expected: "true or false", node) }
        return value
    }

    private func string(_ node: Node, at path: String) throws(ConfigError) -> String {
        guard node.isTagged(.str), let value = node.string else { throw mismatch(path, expected: "a string", node) }
        return try expandString(value, at: path)
    }

    private func path(_ node: Node, at path: String) throws(ConfigError) -> String {
        guard node.isTagged(.str), let value = node.string else { throw mismatch(path, expected: "a path", node) }
        return try expandPath(value, at: path)
    }

    private func paths(_ node: Node, at path: String) throws(ConfigError) -> [String] {
        guard case .sequence(let sequence) = node else { throw mismatch(path, expected: "a list of paths", node) }
        var result: [String] = []
        for (index, element) in sequence.enumerated() {
            result.append(try self.path(element, at: "\(path)[\(index)]"))
        }
        return result
    }

    private func setting(_ node: Node, at path: String) throws(ConfigError) -> ResourceSetting {
        if node.isTagged(.str), node.string == "allocation" { return .allocation }
        guard node.isTagged(.int), let value = node.int, value >= 1 else {
            throw mismatch(path, expected: "an integer or \"allocation\"", node)
        }
        return .fixed(value)
    }

    private func domainType(_ node: Node, at path: String) throws(ConfigError) -> DomainType {
        guard node.isTagged(.str), let value = node.string.flatMap(DomainType.init(rawValue:)) else {
            let names = DomainType.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
            throw mismatch(path, expected: "one of \(names)", node)
        }
        return value
    }

    private func ipAddress(_ node: Node, at path: String) throws(ConfigError) -> String {
        let value = try string(node, at: path)
        var v4 = in_addr()
        var v6 = in6_addr()
        guard inet_pton(AF_INET, value, &v4) == 1 || inet_pton(AF_INET6, value, &v6) == 1 else {
            throw mismatch(path, expected: "an IP address", node)
        }
        return value
    }

    // MARK: Expansion and messages

    func expandString(_ value: String, at path: String) throws(ConfigError) -> String {
        do {
            return try expansion.expand(value)
        } catch {
            throw ConfigError(file: file, key: path, message: error.message)
        }
    }

    func expandPath(_ value: String, at path: String) throws(ConfigError) -> String {
        let expanded = try expandString(value, at: path)
        guard expanded.hasPrefix("/") else {
            throw ConfigError(file: file, key: path, message: "expected an absolute path, got \"\(expanded)\"")
        }
        return expanded
    }

    private func mismatch(_ path: String, expected: String, _ node: Node) -> ConfigError {
        ConfigError(file: file, key: path, message: "expected \(expected), got \(Self.describe(node))")
    }

    /// A value as the user wrote it: strings quoted, so that "5" and 5 read differently.
    static func describe(_ node: Node) -> String {
        switch node {
        case .scalar(let scalar):
            if node.isTagged(.null) { return "nothing" }
            return node.isTagged(.str) ? "\"\(scalar.string)\"" : scalar.string
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }

    /// One line: the problem and where, without the multi-line snippet YamlError prints.
    static func summary(of error: YamlError) -> String {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _),
            .composer(_, let problem, let mark, _):
            return "\(problem) at line \(mark.line), column \(mark.column)"
        case .duplicatedKeysInMapping(let duplicates, let context):
            return "duplicate key \(duplicates.joined(separator: ", ")) at line \(context.mark.line)"
        default:
            return "\(error)".split(separator: "\n").first.map(String.init) ?? "\(error)"
        }
    }
}

extension Node {
    /// The resolved tag: plain scalars by their look (5 is an int), quoted ones are strings.
    fileprivate func isTagged(_ name: Tag.Name) -> Bool {
        tag.rawValue == name.rawValue
    }
}
