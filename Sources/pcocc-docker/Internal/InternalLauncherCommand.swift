import ArgumentParser

struct InternalLauncherCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "launcher", abstract: "Run inside the allocation: start the VM step, wait for it, run the shell.")

    func run() async throws { throw NotImplemented(command: "launcher") }
}
