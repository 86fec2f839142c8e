import ArgumentParser

struct AllocCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "alloc", abstract: "Allocate a job, start a Docker VM in it and open a docker shell.")

    func run() async throws { throw NotImplemented(command: "alloc") }
}
