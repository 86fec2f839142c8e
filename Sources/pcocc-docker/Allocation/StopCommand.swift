import ArgumentParser
import CLISupport
import DockerClient
import Foundation
import HostSystem
import VMAllocator

struct StopCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stop", abstract: "Cancel a docker job and check that its VM is gone.")

    @OptionGroup var job: JobOptions

    @Option(help: ArgumentHelp("Seconds to wait for the job and its VM to end.", valueName: "seconds"))
    var wait: Int = 120

    /// Also a job Slurm has already ended (a node failure): its VM step stops the VM when it sees that, and its
    /// state here is cleaned.
    func run() async throws {
        let (info, directory, _) = try await job.select(acceptEnded: true)
        let scheduler = try SlurmScheduler()
        let endpoint = try? EndpointRecord.read(from: directory.endpointFile)
        let deadline = ContinuousClock.now + .seconds(wait)
        if info.isActive {
            try await scheduler.cancel(info.id)
            progress("Stopping job \(info.id) ...")
            while let current = try await scheduler.job(info.id), current.isActive {
                guard ContinuousClock.now < deadline else {
                    throw CommandFailure(
                        "job \(info.id) is still \(current.state.rawValue) after \(wait) s: check 'squeue -j \(info.id)'"
                    )
                }
                try await Task.sleep(for: .milliseconds(300))
            }
        } else {
            progress("Job \(info.id) has ended (\(info.state.rawValue)): waiting for its docker VM to go ...")
        }
        // QEMU accepts on the forwarded port as long as it lives: a refused connection proves the VM is gone.
        while let endpoint, PortProbe.accepts(host: endpoint.host, port: endpoint.port) {
            guard ContinuousClock.now < deadline else {
                throw CommandFailure(
                    "job \(info.id) ended but its docker VM still answers on \(HostNetwork.hostPort(endpoint.host, endpoint.port)) after \(wait) s"
                )
            }
            try await Task.sleep(for: .seconds(1))
        }
        directory.remove()
        DockerContextStore().remove(name: DockerContextStore.name(ofJob: info.id))
        print("Stopped job \(info.id): its docker VM is gone")
    }
}
