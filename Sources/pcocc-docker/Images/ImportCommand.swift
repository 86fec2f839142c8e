import ArgumentParser

struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "import", abstract: "Store an image of the job's Docker daemon in the pcocc repository.")

    func run() async throws { throw NotImplemented(command: "import") }
}
