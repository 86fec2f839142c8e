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

    @Option(help: ArgumentHelp("Seconds to wait for the job to end.", valueName: "seconds"))
    var wait: Int = 120

    func run() async throws {
        let (info, directory, _) = try await job.select()
        let scheduler = try SlurmScheduler()
        let endpoint = try? EndpointRecord.read(from: directory.endpointFile)
        try await scheduler.cancel(info.id)
        progress("Stopping job \(info.id) ...")
        let deadline = ContinuousClock.now + .seconds(wait)
        while let current = try await scheduler.job(info.id), current.isActive {
            guard ContinuousClock.now < deadline else {
                throw CommandFailure("job \(info.id) is still \(current.state.rawValue) after \(wait) s: check 'squeue -j \(info.id)'")
            }
            try await Task.sleep(for: .milliseconds(300))
        }
        if let endpoint, PortProbe.accepts(host: endpoint.host, port: endpoint.port) {
            throw CommandFailure("job \(info.id) ended but its docker VM still answers on \(HostNetwork.hostPort(endpoint.host, endpoint.port))")
        }
        directory.remove()
        DockerContextStore().remove(name: DockerContextStore.name(ofJob: info.id))
        print("Stopped job \(info.id): its docker VM is gone")
    }
}
