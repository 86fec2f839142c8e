import ArgumentParser
import CLISupport
import ChildProcess
import ImageRepo
import SkopeoBridge

struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Store an image of the job's Docker daemon in the pcocc repository.",
        discussion: "SRC is the docker image NAME[:TAG] (tag: latest); DEST is [REPO:]NAME in the pcocc repositories."
    )

    @OptionGroup var job: JobOptions
    @Flag(help: "If DEST exists, store the image as its next revision (the old ones stay).") var force = false
    @Argument(help: "The docker image.") var source: String
    @Argument(help: "The repository image to create.") var destination: String

    func run() async throws {
        let reference = try DaemonImageReference(parsing: source)
        let name = try ImageName(parsing: destination)
        let (_, daemon, configuration) = try await job.daemon()
        let transfer = try ImageTransfer(daemon: daemon, configuration: configuration)
        let force = self.force
        // A signal cancels the work, so the layout in the repository's .tmp and the pending squashfs go too.
        let stored = try await interruptible(notDone: "image '\(name)' not saved") {
            try await transfer.importImage(reference, as: name, force: force)
        }
        progress("Imported \(reference) as \(stored.reference)")
    }
}
