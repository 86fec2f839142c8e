import ArgumentParser

struct InternalCertsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "certs", abstract: "Create a job's CA, server and client certificates.")

    func run() async throws { throw NotImplemented(command: "certs") }
}
