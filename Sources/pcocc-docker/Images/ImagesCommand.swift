import ArgumentParser

struct ImagesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "images", abstract: "List the images of the pcocc repositories.")

    func run() async throws { throw NotImplemented(command: "images") }
}
