import ArgumentParser

/// Commands for benchmarks and maintenance, not for users (the job's own programs are pcocc-docker-node's).
struct InternalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "internal",
        abstract: "Commands for benchmarks and maintenance.",
        shouldDisplay: false,
        subcommands: [InternalSquashfsCommand.self]
    )
}
