import ArgumentParser

struct StopCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "stop", abstract: "Cancel a docker job and check that its VM is gone.")

    func run() async throws { throw NotImplemented(command: "stop") }
}
