import ArgumentParser
import CLISupport
import ChildProcess
import Foundation
import VMAllocator

struct BatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "batch",
        abstract: "Submit a batch job that runs a Docker VM until the job ends.",
        discussion: """
            Every option pcocc-docker does not know goes to sbatch. Attach to the VM with
            'pcocc-docker shell -j JOBID' or 'eval $(pcocc-docker env -j JOBID)'; end it with 'pcocc-docker stop -j JOBID'.
            """
    )

    @Option(
        name: .customShort("E"),
        help: ArgumentHelp(
            "Run this shell command in the job once the VM is ready; the job ends with it.", valueName: "host-script"))
    var script: String?

    @OptionGroup var template: TemplateOption

    @Argument(parsing: .allUnrecognized, help: "Options for sbatch.")
    var slurmOptions: [String] = []

    func run() async throws {
        let submission = try JobSubmission(mode: .batch, script: script, timeout: nil)
        let batchScript = SlurmCommandLine.batchScript(launcher: submission.launcher)
        let result = try await ChildProcess.checked(
            "sbatch", SlurmCommandLine.sbatch(userOptions: slurmOptions), input: Data(batchScript.utf8))
        // --parsable prints "JOBID" or "JOBID;CLUSTER".
        let jobID =
            result.outputString.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            ?? ""
        print("Submitted batch job \(jobID)")
    }
}
