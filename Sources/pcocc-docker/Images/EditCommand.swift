import ArgumentParser

struct EditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "edit", abstract: "Open a shell in a container of an image and save the result as a new image.")

    func run() async throws { throw NotImplemented(command: "edit") }
}
