import ArgumentParser

struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "export", abstract: "Send an image from the pcocc repository to the job's Docker daemon.")

    func run() async throws { throw NotImplemented(command: "export") }
}
