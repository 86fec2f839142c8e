import ArgumentParser

/// Commands run by pcocc-docker itself inside Slurm jobs and steps, not by users.
struct InternalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "internal",
        abstract: "Commands pcocc-docker runs inside its Slurm jobs.",
        shouldDisplay: false,
        subcommands: [InternalVMCommand.self, InternalCertsCommand.self, InternalLauncherCommand.self, InternalSquashfsCommand.self]
    )
}
