import ArgumentParser
import CLISupport
import Foundation
import HostSystem
import VMAllocator

struct EnvCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "env",
        abstract: "Print the environment that points the docker CLI at a job's VM.",
        discussion: """
            Use it as: eval "$(pcocc-docker env -j JOBID)"; with fish: pcocc-docker env | source; with tcsh: \
            eval "`pcocc-docker env`"; with PowerShell: & pcocc-docker env | Invoke-Expression
            """
    )

    @OptionGroup var job: JobOptions

    @Option(help: ArgumentHelp("The shell to print for (default: from $SHELL).", valueName: "shell"))
    var shell: ShellKind?

    @Flag(help: "Print the commands that remove the variables.")
    var unset = false

    @Flag(help: "Print the variables as a JSON object.")
    var json = false

    var request: EnvRequest { EnvRequest(job: job.lookup, shell: shell, unset: unset, json: json) }

    func run() async throws { try await request.run() }
}

extension ShellKind: ExpressibleByArgument {}

/// What `env` prints, for its options however they were read (ArgumentParser, or `EnvFastPath`).
struct EnvRequest: Equatable, Sendable {
    var job = JobLookup()
    var shell: ShellKind?
    var unset = false
    var json = false

    func run() async throws {
        let kind = shell ?? ShellKind.detect(fromPath: ProcessEnvironment.atStart["SHELL"])
        let exports = ShellExports(shell: kind)
        if unset {
            emit(
                exports.unset(DockerSession.variableNames, hint: hint(kind, "pcocc-docker env --unset")), exports, kind,
                "pcocc-docker env --unset")
            return
        }
        let (info, directory, endpoint, config) = try await job.endpoint()
        let session = DockerSession(jobID: info.id, endpoint: endpoint, directory: directory, runtime: config.pcocc)
        let variables = session.variables(environment: ProcessEnvironment.atStart)
        if json {
            var object: [String: String] = [:]
            for (name, value) in variables { object[name] = value }
            let data = try JSONSerialization.data(
                withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
            print(String(decoding: data, as: UTF8.self))
            return
        }
        let command = "pcocc-docker env -j \(info.id)"
        emit(try exports.set(variables, hint: hint(kind, command)), exports, kind, command)
    }

    private func hint(_ kind: ShellKind, _ command: String) -> String {
        "Run this command to configure your shell: \(kind.loadHint(command))"
    }

    /// The commands on standard output; for csh and tcsh the hint goes to standard error (no comments there).
    private func emit(_ text: String, _ exports: ShellExports, _ kind: ShellKind, _ command: String) {
        print(text, terminator: "")
        if exports.hintOnStandardError { progress("# " + hint(kind, command)) }
    }
}
