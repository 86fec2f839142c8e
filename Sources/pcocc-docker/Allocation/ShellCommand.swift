import ArgumentParser

struct ShellCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "shell", abstract: "Open a docker shell on a running job's VM (leaving it keeps the VM).")

    func run() async throws { throw NotImplemented(command: "shell") }
}
