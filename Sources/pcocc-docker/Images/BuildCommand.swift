import ArgumentParser
import CLISupport
import ChildProcess
import Foundation
import ImageRepo
import SkopeoBridge

struct BuildCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build",
        abstract: "Build a directory's Dockerfile into a repository image.",
        discussion: """
            Builds DIR in the job's daemon under a temporary tag, stores it as DEST, and removes the tag. Takes docker \
            build's main options; the others go after '--' (pcocc-docker build -f dev.Dockerfile DIR DEST -- --network=host). \
            Uses BuildKit when the docker client has the buildx plugin, the classic builder otherwise.
            """
    )

    @OptionGroup var job: JobOptions
    @Flag(help: "If DEST exists, store the image as its next revision (the old ones stay).") var force = false
    @Argument(help: "The build context: a directory with a Dockerfile.") var directory: String
    @Argument(help: "The repository image to create.") var destination: String
    // After the names: its arguments after '--' are the last positional ones.
    @OptionGroup(title: "docker build options") var build: BuildOptions

    func run() async throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw CommandFailure("'\(directory)' is not a directory: give the build context's directory")
        }
        if let dockerfile = build.dockerfile(context: directory), !FileManager.default.fileExists(atPath: dockerfile) {
            throw CommandFailure(
                build.file == nil
                    ? "'\(directory)' has no Dockerfile: write one there first, or name it with -f"
                    : "Dockerfile '\(dockerfile)' does not exist: -f is relative to the current directory")
        }
        let destinationName = try ImageName(parsing: destination)
        let (_, daemon, configuration) = try await job.daemon()
        let transfer = try ImageTransfer(daemon: daemon, configuration: configuration)
        try transfer.checkDestination(destinationName, force: force)
        let docker = DockerCLI(daemon: daemon)
        let tag = try DaemonImageReference(parsing: DockerCLI.temporaryName("build"))
        let (arguments, directory, force) = (
            build.dockerArguments(tag: tag.description, context: directory), directory, force
        )
        do {
            try await interruptible(notDone: "image '\(destinationName)' not saved") {
                // Build output is progress: it goes to stderr so that stdout stays clean.
                let status = try await ChildProcess.interactive(
                    "docker", arguments, environment: docker.environment, outputToStandardError: true)
                guard status == 0 else {
                    throw CommandFailure(
                        "docker build of '\(directory)' failed (status \(status)): image '\(destinationName)' not saved"
                    )
                }
                try await transfer.importImage(tag, as: destinationName, force: force)
            }
        } catch {
            await docker.removeQuietly(images: [tag.description])
            throw error
        }
        await docker.removeQuietly(images: [tag.description])
        progress("Built \(directory) into \(destinationName)")
    }
}
