import CLISupport
import Foundation
import SiteConfig
import VMAllocator

/// What alloc and batch do before Slurm sees the job: the configuration is read and every value that reaches the
/// VM is checked (a wrong proxy, registry or size is one clear error now, not a failed VM later), and the launcher's
/// command line is built.
struct JobSubmission {
    let configuration: SiteConfiguration
    let launcher: [String]

    init(
        mode: LaunchMode, script: String?, timeout: Int?,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws {
        configuration = try SiteConfiguration.load(environment: environment)
        _ = try ProxySettings.resolve(configuration.network, environment: environment)
        var launcher = [SelfExecutable.nodeProgram, "launcher", "--mode", mode.rawValue]
        if let script { launcher += ["-E", script] }
        if let timeout { launcher += ["-T", String(timeout)] }
        self.launcher = launcher
    }
}
