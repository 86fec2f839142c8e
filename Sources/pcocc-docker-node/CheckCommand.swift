import ArgumentParser
import CLISupport
import DockerVM
import Foundation
import HostSystem
import SiteConfig

/// The node's half of `pcocc-docker doctor`: prints its checks as JSON for the login side.
struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check", abstract: "Check that this node can run docker VMs (JSON on standard output).")

    func run() async throws {
        var checks: [HealthCheck]
        do {
            let configuration = try SiteConfiguration.load()
            checks = await NodeCheck(configuration: configuration).run().map { result in
                HealthCheck(
                    result.name, result.passed ? (result.warning ? .warning : .ok) : .failed, result.detail,
                    hint: result.hint)
            }
        } catch {
            checks = [HealthCheck("configuration", .failed, "\(error)", hint: "fix the file and key named")]
        }
        checks.insert(HealthCheck("node", .ok, HostNetwork.hostname()), at: 0)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        print(String(decoding: try encoder.encode(checks), as: UTF8.self))
    }
}
