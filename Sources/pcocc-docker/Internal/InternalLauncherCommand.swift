import ArgumentParser
import ChildProcess
import Foundation
import SiteConfig
import VMAllocator

/// salloc's command for `alloc`, and the batch script's for `batch`.
struct InternalLauncherCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "launcher", abstract: "Run inside the allocation: start the VM step, wait for it, run the shell.")

    @Option var mode: LaunchMode
    @Option(name: .customShort("E")) var script: String?
    @Option(name: .customShort("T")) var timeout: Int?

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        guard let jobID = environment["SLURM_JOB_ID"], let nodeList = environment["SLURM_JOB_NODELIST"] else {
            throw CommandFailure("'internal launcher' runs inside a Slurm allocation (no SLURM_JOB_ID): use 'pcocc-docker alloc' or 'batch'")
        }
        let config = try SiteConfiguration.load()
        let scheduler = try SlurmScheduler()
        let identity = try await JobIdentity.lookup(jobID: jobID, nodeList: nodeList, scheduler: scheduler)
        let settings = DockerJobLauncher.Settings(
            jobID: jobID, nodeList: nodeList, stateDirectory: config.stateDirectory, mode: mode,
            vmCommand: [SelfExecutable.path, "internal", "vm", "--job-dir",
                        JobDirectory(stateDirectory: config.stateDirectory, jobID: jobID).path, "--job-id", jobID,
                        "--host", identity.endpointHost, "--ready-timeout", String(timeout ?? config.timeouts.vmReadySeconds)],
            readyTimeoutSeconds: timeout ?? config.timeouts.vmReadySeconds, userName: identity.userName,
            jobEnd: identity.jobEnd, serverNames: identity.serverNames, serverAddresses: identity.serverAddresses)
        let launcher = DockerJobLauncher(settings: settings, scheduler: scheduler)
        let mode = self.mode
        let script = self.script
        progress("Waiting for docker VM to start ...")
        let signals = TerminationSignals()
        let status: Int32
        do {
            status = try await signals.run {
                try await launcher.run { endpoint, directory -> Int32? in
                    if mode == .batch && script == nil {
                        progress("docker VM of job \(jobID) ready on \(HostPort.format(endpoint.host, endpoint.port))")
                        return nil
                    }
                    return try await DockerSession(jobID: jobID, endpoint: endpoint, directory: directory).run(script: script)
                }
            }
        } catch is CancellationError {
            throw ExitCode(128 + (signals.receivedSignal ?? SIGTERM))
        }
        throw ExitCode(status)
    }
}

extension LaunchMode: ExpressibleByArgument {}
