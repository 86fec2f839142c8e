/// A configuration file that cannot be used: which file, which key (dotted path, empty for the whole
/// file), and what is wrong with it.
public struct ConfigError: Error, Sendable, CustomStringConvertible {
    public let file: String
    /// E.g. "vm.cpus" or "vm.shared_dirs[1]"; empty when the problem is the file itself.
    public let key: String
    public let message: String

    public init(file: String, key: String, message: String) {
        self.file = file
        self.key = key
        self.message = message
    }

    /// "/etc/pcocc-docker/containers.yaml: vm.cpus: expected an integer or "allocation", got "lots"".
    public var description: String {
        key.isEmpty ? "\(file): \(message)" : "\(file): \(key): \(message)"
    }
}
