import ArgumentParser
import CLISupport
import ChildProcess
import Foundation
import SiteConfig
import VMAllocator

struct AllocCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alloc",
        abstract: "Allocate a job, start a Docker VM in it and open a docker shell.",
        discussion: """
            Every option pcocc-docker does not know goes to salloc (e.g. -p PARTITION -c CPUS --time 1:00:00).
            Leaving the shell destroys the VM and releases the job.
            """
    )

    @Option(
        name: .customShort("E"),
        help: ArgumentHelp(
            "Run this shell command instead of an interactive shell; its exit status becomes alloc's.",
            valueName: "script"))
    var script: String?

    @Option(
        name: .customShort("T"),
        help: ArgumentHelp(
            "Seconds to wait for the VM once the job runs (default: timeouts.vm_ready).", valueName: "seconds"))
    var timeout: Int?

    func validate() throws {
        if let timeout, timeout < 1 { throw ValidationError("-T must be at least 1 second") }
    }

    @OptionGroup var template: TemplateOption

    @Argument(parsing: .allUnrecognized, help: "Options for salloc.")
    var slurmOptions: [String] = []

    func run() async throws {
        let submission = try JobSubmission(mode: .alloc, script: script, timeout: timeout)
        // timeouts.job_start: salloc gives up on its own when Slurm cannot start the job in time.
        let jobStart = submission.configuration.timeouts.jobStartSeconds
        var slurmOptions = self.slurmOptions
        if jobStart > 0 && !slurmOptions.contains(where: { $0.hasPrefix("--immediate") || $0.hasPrefix("-I") }) {
            slurmOptions.insert("--immediate=\(jobStart)", at: 0)
        }
        progress("Starting the docker VM ...")
        // salloc owns the terminal and Ctrl-C while it runs; it cancels a pending allocation itself. It only says
        // the job is queued: Slurm's reason is reported beside it, a line per change (salloc writes lines too).
        signal(SIGINT, SIG_IGN)
        let pending = Task { [scheduler = try? SlurmScheduler()] in
            guard let scheduler else { return }
            let waiting = WaitProgress(terminal: false)
            await PendingJobReport(scheduler: scheduler).run { waiting.update($0) }
        }
        defer { pending.cancel() }
        let status = try await ChildProcess.interactive(
            "salloc", SlurmCommandLine.salloc(userOptions: slurmOptions, launcher: submission.launcher))
        throw ExitCode(status)
    }
}
