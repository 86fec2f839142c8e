import ArgumentParser
import Foundation
import VMAllocator

struct EnvCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "env",
        abstract: "Print the environment that points the docker CLI at a job's VM.",
        discussion: "Use it as: eval \"$(pcocc-docker env -j JOBID)\", or with fish: pcocc-docker env | source"
    )

    @OptionGroup var job: JobOptions

    @Option(help: ArgumentHelp("The shell to print for (default: from $SHELL).", valueName: "shell"))
    var shell: ShellKind?

    @Flag(help: "Print the commands that remove the variables.")
    var unset = false

    @Flag(help: "Print the variables as a JSON object.")
    var json = false

    func run() async throws {
        let kind = shell ?? ShellKind.detect(fromPath: ProcessInfo.processInfo.environment["SHELL"])
        let exports = ShellExports(shell: kind)
        if unset {
            print(exports.unset(DockerSession.variableNames, hint: "Run this command to configure your shell: eval \"$(pcocc-docker env --unset)\""), terminator: "")
            return
        }
        let (info, directory, endpoint, config) = try await job.endpoint()
        let session = DockerSession(jobID: info.id, endpoint: endpoint, directory: directory, runtime: config.pcocc)
        let variables = session.variables()
        if json {
            var object: [String: String] = [:]
            for (name, value) in variables { object[name] = value }
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
            print(String(decoding: data, as: UTF8.self))
            return
        }
        print(exports.set(variables, hint: "Run this command to configure your shell: eval \"$(pcocc-docker env -j \(info.id))\""), terminator: "")
    }
}

extension ShellKind: ExpressibleByArgument {}
