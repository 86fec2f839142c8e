import ArgumentParser
import CLISupport
import DockerClient
import HostSystem
import SiteConfig
import VMAllocator

@main
struct PcoccDocker: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pcocc-docker",
        abstract: "A private Docker daemon in a virtual machine inside your own Slurm job.",
        discussion: "Run 'pcocc-docker alloc' for an interactive docker shell, or see 'man pcocc-docker'.",
        version: ProgramVersion.current,
        subcommands: [
            AllocCommand.self, BatchCommand.self, ShellCommand.self, EnvCommand.self,
            PsCommand.self, StopCommand.self, DoctorCommand.self,
            ExportCommand.self, ImportCommand.self, EditCommand.self, BuildCommand.self, ImagesCommand.self,
            InternalCommand.self,
        ]
    )

    static func main() async {
        // Every command tidies what ended jobs left (their docker contexts) on its way; a configuration error is
        // left for the command itself to report.
        if let configuration = try? SiteConfiguration.loadedForProcess() {
            EndedJobsJanitor(
                stateDirectory: configuration.stateDirectory,
                contexts: DockerContextStore(environment: ProcessEnvironment.atStart)
            ).sweepContexts()
        }
        if let request = EnvFastPath.request(from: Array(Swift.CommandLine.arguments.dropFirst())) {
            await CommandMain.run(Self.self) { try await request.run() }
        }
        await CommandMain.run(Self.self)
    }
}
