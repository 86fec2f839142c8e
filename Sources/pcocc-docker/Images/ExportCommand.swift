import ArgumentParser
import CLISupport
import ChildProcess
import ImageRepo
import SkopeoBridge

struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Send an image from the pcocc repository to the job's Docker daemon.",
        discussion:
            "SRC is [REPO:]NAME[@REVISION] in the pcocc repositories; DEST is the docker image NAME[:TAG] (tag: latest)."
    )

    @OptionGroup var job: JobOptions
    @Argument(help: "The repository image.") var source: String
    @Argument(help: "The docker image to create.") var destination: String

    func run() async throws {
        let name = try ImageName(parsing: source)
        let reference = try DaemonImageReference(parsing: destination)
        // The image first: a wrong name is reported even when no job is running yet.
        let repositories = try ImageRepositories.load()
        let image = try repositories.find(name)
        let (_, daemon, configuration) = try await job.daemon()
        let transfer = try ImageTransfer(daemon: daemon, repositories: repositories, configuration: configuration)
        try await interruptible(notDone: "'\(image.reference)' not exported to the daemon") {
            try await transfer.export(image, as: reference)
        }
        progress("Exported \(image.reference) as \(reference)")
    }
}
