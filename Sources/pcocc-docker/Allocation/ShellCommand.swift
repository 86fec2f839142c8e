import ArgumentParser
import CLISupport
import ChildProcess
import DockerClient
import Foundation
import HostSystem
import VMAllocator

struct ShellCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shell",
        abstract: "Open a docker shell on a running job's VM (leaving it keeps the VM).",
        discussion: "Waits for the job's VM first, showing Slurm's pending reason while the job is queued."
    )

    @OptionGroup var job: JobOptions

    @Option(
        name: .customShort("i"), help: ArgumentHelp("The VM's index in the job (only 0 exists).", valueName: "index"))
    var index: Int = 0

    @Option(
        name: .customShort("E"),
        help: ArgumentHelp("Run this shell command instead of an interactive shell.", valueName: "script"))
    var script: String?

    @Option(
        name: .customShort("T"),
        help: ArgumentHelp("Seconds to wait for the VM (default: timeouts.vm_ready).", valueName: "seconds"))
    var timeout: Int?

    func validate() throws {
        guard index == 0 else {
            throw ValidationError("VM index \(index) does not exist: a docker job has one VM, index 0")
        }
    }

    func run() async throws {
        let (info, directory, config) = try await job.select()
        let waiter = VMWaiter(
            scheduler: try SlurmScheduler(), jobID: info.id, directory: directory,
            timeoutSeconds: timeout ?? config.timeouts.vmReadySeconds,
            jobStartSeconds: config.timeouts.jobStartSeconds)
        let waiting = WaitProgress()
        let endpoint: EndpointRecord
        do {
            defer { waiting.finish() }
            endpoint = try await waiter.wait { waiting.update($0) }
        }
        // The launcher writes the job's docker context when its own poll sees the VM ready, up to 250 ms after we
        // may have: `docker --context pcocc-JOBID` must work in this shell at once.
        DockerJobLauncher.publishContext(
            DockerContextStore(environment: ProcessEnvironment.atStart), name: DockerContextStore.name(ofJob: info.id),
            endpoint: endpoint, directory: directory, ifMissing: true)
        for notice in VMNotices.read(from: directory) { progress("pcocc-docker: note: \(notice)") }
        let session = DockerSession(jobID: info.id, endpoint: endpoint, directory: directory, runtime: config.pcocc)
        let status = try await session.run(script: script)
        throw ExitCode(status)
    }
}
