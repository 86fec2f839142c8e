import ArgumentParser
import Foundation
import SiteConfig
import VMAllocator

/// The Slurm step on the allocated node: boots the job's docker VM, publishes its endpoint,
/// and keeps it until the step is signalled or its parent goes away.
struct InternalVMCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vm", abstract: "Start the Docker VM of a job on this node and keep it until stopped.")

    @Option(help: "The job's state directory, holding vmcerts/ (docker/ is written here).")
    var jobDir: String

    @Option(help: "The Slurm job id, part of the VM's name and scratch directory.")
    var jobID: String

    @Option(help: "vCPUs (default: vm.cpus of containers.yaml, or the Slurm allocation).")
    var cpus: Int?

    @Option(name: .customLong("memory-mb"), help: "Guest memory in MiB (default: vm.memory_mb, or the Slurm allocation).")
    var memoryMiB: Int?

    @Option(help: "Seconds dockerd may take to answer (default: timeouts.vm_ready).")
    var readyTimeout: Int?

    @Flag(help: "Print how long each start-up phase took.")
    var timings = false

    @Option(help: "The address clients use to reach this node, as named in the server certificate (default: its name or first address).")
    var host: String?

    func validate() throws {
        guard jobDir.hasPrefix("/") else { throw ValidationError("--job-dir must be an absolute path.") }
        // The id becomes part of a domain name and a path.
        guard !jobID.isEmpty, jobID.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) else {
            throw ValidationError("--job-id must be letters, digits or '_' (a Slurm job id).")
        }
        if let cpus, cpus < 1 { throw ValidationError("--cpus must be at least 1.") }
        if let memoryMiB, memoryMiB < 256 { throw ValidationError("--memory-mb must be at least 256.") }
        if let readyTimeout, readyTimeout < 1 { throw ValidationError("--ready-timeout must be at least 1 second.") }
    }

    func run() async throws {
        let site: SiteConfiguration
        do {
            site = try SiteConfiguration.load()
        } catch {
            Self.fail("\(error)")
        }
        var settings = VMSettings(
            site: site, jobDirectory: jobDir, jobID: jobID, cpus: cpus, memoryMiB: memoryMiB,
            readyTimeoutSeconds: readyTimeout)
        settings.reportTimings = timings
        settings.advertisedHost = host
        do {
            _ = try await VMSupervisor(settings: settings).run()
        } catch {
            Self.fail(error.message, details: error.details)
        }
    }

    /// One line (plus the console tail, indented, when there is one) and a non-zero exit.
    private static func fail(_ message: String, details: [String] = []) -> Never {
        let lines = ["pcocc-docker: error: \(message)"] + details.map { "  | \($0)" }
        FileHandle.standardError.write(Data((lines.joined(separator: "\n") + "\n").utf8))
        Foundation.exit(1)
    }
}
