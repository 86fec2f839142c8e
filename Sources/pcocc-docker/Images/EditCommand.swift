import ArgumentParser
import CLISupport
import ChildProcess
import Foundation
import ImageRepo
import SkopeoBridge

struct EditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "edit",
        abstract: "Open a shell in a container of an image and save the result as a new image.",
        discussion: """
            Runs COMMAND (default: /bin/sh) in a container of SRC; when it ends successfully the container is saved as DEST. \
            docker run options go before SRC: pcocc-docker edit -v "$PWD:/src" -e LANG=C.UTF-8 --run-option=--privileged SRC DEST.
            """
    )

    @OptionGroup var job: JobOptions
    @Flag(help: "If DEST exists, store the image as its next revision (the old ones stay).") var force = false
    @OptionGroup(title: "docker run options") var container: EditRunOptions
    @Argument(help: "The repository image to start from.") var source: String
    @Argument(help: "The repository image to create.") var destination: String
    @Argument(parsing: .captureForPassthrough, help: "The command to run in the container.") var command: [String] = []

    func run() async throws {
        let sourceName = try ImageName(parsing: source)
        let destinationName = try ImageName(parsing: destination)
        let (_, daemon, configuration) = try await job.daemon()
        let transfer = try ImageTransfer(daemon: daemon, configuration: configuration)
        let image = try transfer.repositories.find(sourceName)
        try transfer.checkDestination(destinationName, force: force)

        let docker = DockerCLI(daemon: daemon)
        let base = DockerCLI.temporaryName("edit")
        let working = try DaemonImageReference(parsing: base)
        let saved = try DaemonImageReference(parsing: base + ":saved")
        let (command, runOptions, force) = (command, container.dockerArguments, force)
        do {
            try await interruptible(notDone: "image '\(destinationName)' not saved") {
                try await transfer.export(image, as: working)
                progress("You are now editing your image")
                progress("Hit CTRL + D to save your modifications")
                let tty = isatty(STDIN_FILENO) == 1 ? ["-ti"] : ["-i"]
                let status = try await docker.interactive(
                    ["run"] + tty + runOptions + ["--name", base, working.description]
                        + (command.isEmpty ? ["/bin/sh"] : command))
                // An interactive shell ends with its last command's status: Ctrl-D after a failed
                // command still means "save". A given COMMAND must succeed.
                guard status == 0 || command.isEmpty else {
                    throw CommandFailure(
                        "the command in the container exited with status \(status): image '\(destinationName)' not saved"
                    )
                }
                try await docker.checked(["commit", base, saved.description])
                try await transfer.importImage(saved, as: destinationName, force: force)
            }
        } catch {
            await docker.removeQuietly(containers: [base], images: [working.description, saved.description])
            throw error
        }
        await docker.removeQuietly(containers: [base], images: [working.description, saved.description])
        progress("Saved \(destinationName)")
    }
}
