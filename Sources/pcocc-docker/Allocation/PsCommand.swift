import ArgumentParser

struct PsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ps", abstract: "List your docker jobs.")

    func run() async throws { throw NotImplemented(command: "ps") }
}
