import ArgumentParser

struct InternalVMCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "vm", abstract: "Start the Docker VM of a job on this node and keep it until stopped.")

    func run() async throws { throw NotImplemented(command: "vm") }
}
