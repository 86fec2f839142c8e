import ArgumentParser
import CLISupport
import DockerVM
import Foundation
import SiteConfig
import VMAllocator

/// The Slurm step on the allocated node: boots the job's docker VM, publishes its endpoint, and keeps it until the
/// step is signalled or its parent goes away. A failure is written to docker/failure.json for the launcher.
struct VMCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vm", abstract: "Start the Docker VM of a job on this node and keep it until stopped.")

    @Option(help: "The job's state directory, holding vmcerts/ (docker/ is written here).")
    var jobDir: String

    @Option(help: "The Slurm job id, part of the VM's name and scratch directory.")
    var jobID: String

    @Option(help: "vCPUs (default: vm.cpus of pcocc-docker.yaml, or the Slurm allocation).")
    var cpus: Int?

    @Option(
        name: .customLong("memory-mb"), help: "Guest memory in MiB (default: vm.memory_mb, or the Slurm allocation).")
    var memoryMiB: Int?

    @Option(help: "Seconds dockerd may take to answer (default: timeouts.vm_ready).")
    var readyTimeout: Int?

    @Flag(help: "Print how long each start-up phase took.")
    var timings = false

    @Option(help: "Slurm's NodeAddr: the address clients use to reach this node, as named in the server certificate.")
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
        let job = JobDirectory(path: jobDir, jobID: jobID)
        do {
            let configuration = try SiteConfiguration.load()
            var settings = try VMSettings(
                configuration: configuration, job: job, nodeAddress: host, cpus: cpus, memoryMiB: memoryMiB,
                readyTimeoutSeconds: readyTimeout)
            settings.reportTimings = timings
            _ = try await VMSupervisor(settings: settings).run()
        } catch let error as VMError {
            Self.fail(job, code: error.code.rawValue, message: error.message, details: error.details)
        } catch {
            Self.fail(job, code: "configuration", message: "\(error)", details: [])
        }
    }

    /// One line on the step log (plus the console tail, indented), the structured record for the launcher, and a
    /// non-zero exit.
    private static func fail(_ job: JobDirectory, code: String, message: String, details: [String]) -> Never {
        CommandMain.report(message, details: details)
        let record = VMFailureRecord(code: code, message: message, details: details, log: job.consoleLog)
        if FileManager.default.fileExists(atPath: job.dockerDirectory) {
            do {
                try record.write(to: job.failureFile)
            } catch {
                CommandMain.report("cannot record the failure for the launcher: \(error)")
            }
        }
        Foundation.exit(1)
    }
}
