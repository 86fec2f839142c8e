import ArgumentParser

struct EnvCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "env", abstract: "Print the environment that points the docker CLI at a job's VM.")

    func run() async throws { throw NotImplemented(command: "env") }
}
