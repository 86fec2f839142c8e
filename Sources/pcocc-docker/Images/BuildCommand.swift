import ArgumentParser

struct BuildCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "build", abstract: "Build a directory's Dockerfile into a repository image.")

    func run() async throws { throw NotImplemented(command: "build") }
}
