import ArgumentParser
import CLISupport

/// The programs pcocc-docker runs inside its Slurm jobs, not users: the launcher (salloc's command, the batch
/// script) and the VM step. A program of its own so that the login-side `pcocc-docker` never loads libvirt.
@main
struct NodeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pcocc-docker-node",
        abstract: "pcocc-docker's programs inside its Slurm jobs (not for direct use).",
        subcommands: [LauncherCommand.self, VMCommand.self, CertsCommand.self, CheckCommand.self]
    )

    static func main() async {
        await CommandMain.run(Self.self)
    }
}
