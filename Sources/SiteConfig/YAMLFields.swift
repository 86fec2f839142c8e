import HostSystem
import Yams

/// Typed, strict reading of one YAML file's values: every key is checked against the known ones and every value
/// against its type, and each problem is a `ConfigError` naming the file and the key path ("vm.cpus"). Strings
/// that are paths or URLs have pcocc's placeholders expanded (`PathTemplate`); one left unresolved is an error.
///
/// Strict on purpose: a misspelled key or a quoted number would otherwise be silently ignored and surface much
/// later as a VM of the wrong size.
struct YAMLFields {
    let file: String
    let template: PathTemplate

    func compose(_ yaml: String) throws(ConfigError) -> Node? {
        do {
            // Typed by CoreSchema, not by the default resolver's regular expressions (see there).
            return try Yams.compose(yaml: yaml, .basic)
        } catch let error as YamlError {
            throw ConfigError(file: file, key: "", message: "invalid YAML: \(Self.summary(of: error))")
        } catch {
            throw ConfigError(file: file, key: "", message: "invalid YAML: \(error)")
        }
    }

    /// The pairs of a mapping, every key checked against `known`. An empty section (every key commented out) is a
    /// YAML null and gives nothing.
    func entries(of node: Node?, at path: String, known: [String]) throws(ConfigError) -> [(String, Node)] {
        guard let node, !node.isTagged(.null) else { return [] }
        guard case .mapping(let mapping) = node else { throw mismatch(path, expected: "a mapping", node) }
        var result: [(String, Node)] = []
        for (keyNode, value) in mapping {
            guard keyNode.isTagged(.str), let key = keyNode.string else {
                throw mismatch(path, expected: "string keys", keyNode)
            }
            let keyPath = path.isEmpty ? key : "\(path).\(key)"
            guard known.contains(key) else {
                throw ConfigError(
                    file: file, key: keyPath, message: "unknown key (known keys: \(known.joined(separator: ", ")))")
            }
            result.append((key, value))
        }
        return result
    }

    func integer(_ node: Node, at path: String, minimum: Int) throws(ConfigError) -> Int {
        guard node.isTagged(.int), let value = node.int else { throw mismatch(path, expected: "an integer", node) }
        guard value >= minimum else { throw mismatch(path, expected: "an integer of at least \(minimum)", node) }
        return value
    }

    func bool(_ node: Node, at path: String) throws(ConfigError) -> Bool {
        guard node.isTagged(.bool), let value = node.string.flatMap(CoreSchema.bool) else {
            throw mismatch(path, expected: "true or false", node)
        }
        return value
    }

    /// A string, placeholders expanded.
    func string(_ node: Node, at path: String) throws(ConfigError) -> String {
        guard node.isTagged(.str), let value = node.string else { throw mismatch(path, expected: "a string", node) }
        return try expand(value, at: path)
    }

    /// A string kept as written (pcocc's own values that are not paths).
    func literal(_ node: Node, at path: String) throws(ConfigError) -> String {
        guard node.isTagged(.str), let value = node.string else { throw mismatch(path, expected: "a string", node) }
        return value
    }

    func path(_ node: Node, at path: String) throws(ConfigError) -> String {
        guard node.isTagged(.str), let value = node.string else { throw mismatch(path, expected: "a path", node) }
        return try absolute(try expand(value, at: path), at: path)
    }

    func list<T>(
        _ node: Node, at path: String, of what: String, _ element: (Node, String) throws(ConfigError) -> T
    ) throws(ConfigError) -> [T] {
        guard case .sequence(let sequence) = node else { throw mismatch(path, expected: "a list of \(what)", node) }
        var result: [T] = []
        for (index, item) in sequence.enumerated() { result.append(try element(item, "\(path)[\(index)]")) }
        return result
    }

    /// One of `choices` (a string).
    func choice<T: RawRepresentable & CaseIterable>(
        _ node: Node, at path: String, _ type: T.Type
    ) throws(ConfigError) -> T
    where T.RawValue == String {
        guard node.isTagged(.str), let value = node.string.flatMap(T.init(rawValue:)) else {
            let names = T.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
            throw mismatch(path, expected: "one of \(names)", node)
        }
        return value
    }

    func ipAddress(_ node: Node, at path: String) throws(ConfigError) -> String {
        let value = try string(node, at: path)
        guard HostNetwork.isIPAddress(value) else { throw mismatch(path, expected: "an IP address", node) }
        return value
    }

    func expand(_ value: String, at path: String) throws(ConfigError) -> String {
        if let problem = template.unresolved(value) { throw ConfigError(file: file, key: path, message: problem) }
        return template.resolve(value)
    }

    func absolute(_ value: String, at path: String) throws(ConfigError) -> String {
        guard value.hasPrefix("/") else {
            throw ConfigError(file: file, key: path, message: "expected an absolute path, got \"\(value)\"")
        }
        return value
    }

    func invalid(_ path: String, _ message: String) -> ConfigError {
        ConfigError(file: file, key: path, message: message)
    }

    func mismatch(_ path: String, expected: String, _ node: Node) -> ConfigError {
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
    func isTagged(_ name: Tag.Name) -> Bool {
        CoreSchema.tag(of: self) == name
    }
}
