import ArgumentParser
import CLISupport

@main
struct PcoccDocker: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pcocc-docker",
        abstract: "A private Docker daemon in a virtual machine inside your own Slurm job.",
        discussion: "Run 'pcocc-docker alloc' for an interactive docker shell, or see 'man pcocc-docker'.",
        subcommands: [
            AllocCommand.self, BatchCommand.self, ShellCommand.self, EnvCommand.self,
            PsCommand.self, StopCommand.self,
            ExportCommand.self, ImportCommand.self, EditCommand.self, BuildCommand.self, ImagesCommand.self,
            InternalCommand.self,
        ]
    )

    static func main() async {
        await CommandMain.run(Self.self)
    }
}
