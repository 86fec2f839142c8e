import Crypto
import Foundation
import HostSystem

/// Docker's own context store (`$DOCKER_CONFIG/contexts`, default ~/.docker/contexts), where each docker job also
/// appears as a context named `pcocc-JOBID`: `docker --context pcocc-1234 ps`, `docker context use`, VS Code and
/// compose then reach the job's daemon from any shell, without `eval`.
///
/// The layout is the docker CLI's (cli/context/store): `meta/<sha256 of the name>/meta.json` and
/// `tls/<sha256 of the name>/docker/{ca,cert,key}.pem`, written directly so that the launcher needs no docker CLI on
/// the node. The TLS files go first and meta.json last (atomically), so docker never sees a context without them.
public struct DockerContextStore: Sendable {
    public let directory: String
    /// docker's config.json, whose `currentContext` may name a context we remove.
    public let configFile: String

    public static let namePrefix = "pcocc-"

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        let config =
            environment["DOCKER_CONFIG"].flatMap { $0.isEmpty ? nil : $0 }
            ?? "\(UserAccount.current(environment: environment).home)/.docker"
        directory = "\(config)/contexts"
        configFile = "\(config)/config.json"
    }

    public static func name(ofJob jobID: String) -> String { "\(namePrefix)\(jobID)" }

    /// The job id of a context named by pcocc-docker, or nil for the user's own contexts.
    public static func jobID(ofContext name: String) -> String? {
        guard name.hasPrefix(namePrefix) else { return nil }
        let id = name.dropFirst(namePrefix.count)
        return !id.isEmpty && id.allSatisfy(\.isNumber) ? String(id) : nil
    }

    /// Creates or replaces the context `name` for `daemon` (its TLS material copied from the daemon's certificate
    /// directory).
    public func write(name: String, description: String, daemon: DaemonEndpoint) throws(SystemError) {
        let id = Self.identifier(name)
        let tls = "\(directory)/tls/\(id)/docker"
        try PrivateDirectory.create(tls)
        for file in ["ca.pem", "cert.pem", "key.pem"] {
            guard let data = FileManager.default.contents(atPath: "\(daemon.certificateDirectory)/\(file)") else {
                throw SystemError("read", "\(daemon.certificateDirectory)/\(file)")
            }
            try AtomicFile.write(data, to: "\(tls)/\(file)", mode: 0o600)
        }
        let meta: [String: Any] = [
            "Name": name, "Metadata": ["Description": description],
            "Endpoints": ["docker": ["Host": daemon.dockerHost, "SkipTLSVerify": false]],
        ]
        guard
            let data = try? JSONSerialization.data(
                withJSONObject: meta, options: [.sortedKeys, .withoutEscapingSlashes])
        else { throw SystemError(message: "cannot encode the docker context \(name)") }
        try PrivateDirectory.create("\(directory)/meta/\(id)")
        try AtomicFile.write(data, to: "\(directory)/meta/\(id)/meta.json", mode: 0o644)
    }

    /// The names of the contexts in the store.
    public func names() -> [String] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "\(directory)/meta")) ?? []
        return entries.compactMap { entry in
            guard let data = FileManager.default.contents(atPath: "\(directory)/meta/\(entry)/meta.json"),
                let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
            else { return nil }
            return object["Name"] as? String
        }.sorted()
    }

    /// Removes context `name` (nothing when it does not exist). When docker's config.json makes it the current
    /// context, that setting goes too, as `docker context rm --force` does: docker would refuse every command.
    public func remove(name: String) {
        let id = Self.identifier(name)
        try? FileManager.default.removeItem(atPath: "\(directory)/meta/\(id)")
        try? FileManager.default.removeItem(atPath: "\(directory)/tls/\(id)")
        guard let data = FileManager.default.contents(atPath: configFile),
            var config = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            config["currentContext"] as? String == name
        else { return }
        config.removeValue(forKey: "currentContext")
        if let updated = try? JSONSerialization.data(withJSONObject: config, options: [.prettyPrinted, .sortedKeys]) {
            try? AtomicFile.write(updated, to: configFile, mode: 0o600)
        }
    }

    /// The directory name docker gives a context: the sha256 of its name, in hex.
    static func identifier(_ name: String) -> String {
        SHA256.hash(data: Data(name.utf8)).lowercaseHex
    }
}
