import ArgumentParser

@main
struct PcoccDocker: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "pcocc-docker", abstract: "A private Docker daemon in a VM inside your Slurm job.")
}
