import ArgumentParser

struct BatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "batch", abstract: "Submit a batch job that runs a Docker VM until the job ends.")

    func run() async throws { throw NotImplemented(command: "batch") }
}
