import ArgumentParser
import CLISupport
import Foundation
import HostSystem
import SiteConfig
import VMAllocator

/// salloc's command for `alloc`, and the batch script's for `batch`.
struct LauncherCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "launcher", abstract: "Run inside the allocation: start the VM step, wait for it, run the shell.")

    @Option(help: "alloc (the VM lives as long as the shell) or batch (as long as the job).")
    var mode: LaunchMode

    @Option(
        name: .customShort("E"),
        help: ArgumentHelp("The shell command to run once the VM is ready.", valueName: "script"))
    var script: String?

    @Option(
        name: .customShort("T"),
        help: ArgumentHelp("Seconds to wait for the VM (default: timeouts.vm_ready).", valueName: "seconds"))
    var timeout: Int?

    func validate() throws {
        if let timeout, timeout < 1 { throw ValidationError("-T must be at least 1 second.") }
    }

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        guard let jobID = environment["SLURM_JOB_ID"], let nodeList = environment["SLURM_JOB_NODELIST"] else {
            throw CommandFailure(
                "the launcher runs inside a Slurm allocation (no SLURM_JOB_ID): use 'pcocc-docker alloc' or 'batch'")
        }
        let configuration = try SiteConfiguration.load()
        let scheduler = try SlurmScheduler()
        let identity = try await JobIdentity.lookup(jobID: jobID, nodeList: nodeList, scheduler: scheduler)
        let directory = JobDirectory(stateDirectory: configuration.stateDirectory, jobID: jobID)
        let vmStep = VMStepCommand(
            executable: SelfExecutable.path, jobDirectory: directory.path, jobID: jobID,
            nodeAddress: identity.endpointHost, readyTimeoutSeconds: timeout ?? configuration.timeouts.vmReadySeconds)
        let launcher = DockerJobLauncher(identity: identity, directory: directory, vmStep: vmStep, scheduler: scheduler)
        let (mode, script, runtime) = (self.mode, self.script, configuration.pcocc)
        // The first line is what alloc users know from pcocc; the one rewritten below it says how far the VM is.
        progress("Waiting for docker VM to start ...")
        let waiting = WaitProgress()
        defer { waiting.finish() }
        let signals = TerminationSignals()
        let status: Int32
        do {
            status = try await signals.run {
                try await launcher.run(progress: { stage in
                    waiting.update("Waiting for docker VM to start (\(stage?.rawValue ?? "starting the VM step"))")
                }) { endpoint, directory -> Int32? in
                    waiting.finish()
                    for notice in VMNotices.read(from: directory) { progress("pcocc-docker: note: \(notice)") }
                    if mode == .batch && script == nil {
                        progress(
                            "docker VM of job \(jobID) ready on \(HostNetwork.hostPort(endpoint.host, endpoint.port))")
                        return nil
                    }
                    let session = DockerSession(
                        jobID: jobID, endpoint: endpoint, directory: directory, runtime: runtime)
                    return try await session.run(script: script)
                }
            }
        } catch is CancellationError {
            throw ExitCode(128 + (signals.receivedSignal ?? SIGTERM))
        }
        throw ExitCode(status)
    }
}

extension LaunchMode: ExpressibleByArgument {}
