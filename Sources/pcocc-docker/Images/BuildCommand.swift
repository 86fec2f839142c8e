import ArgumentParser
import CLISupport
import ChildProcess
import Foundation
import HostSystem
import ImageRepo
import SkopeoBridge

struct BuildCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build",
        abstract: "Build a directory's Dockerfile into a repository image.",
        discussion: "Builds DIR in the job's daemon under a temporary tag, stores it as DEST, and removes the tag."
    )

    @OptionGroup var job: JobOptions
    @Flag(help: "If DEST exists, store the image as its next revision (the old ones stay).") var force = false
    @Argument(help: "The build context: a directory with a Dockerfile.") var directory: String
    @Argument(help: "The repository image to create.") var destination: String

    func run() async throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw CommandFailure("'\(directory)' is not a directory: give the build context's directory")
        }
        guard FileManager.default.fileExists(atPath: directory + "/Dockerfile") else {
            throw CommandFailure("'\(directory)' has no Dockerfile: write one there first")
        }
        let destinationName = try ImageName(parsing: destination)
        let (_, daemon, configuration) = try await job.daemon()
        let transfer = try ImageTransfer(daemon: daemon, configuration: configuration)
        try transfer.checkDestination(destinationName, force: force)
        let docker = DockerCLI(daemon: daemon)
        let tag = try DaemonImageReference(parsing: DockerCLI.temporaryName("build"))
        let signals = TerminationSignals()
        do {
            try await signals.run {
                // Build output is progress: it goes to stderr so that stdout stays clean.
                let status = try await ChildProcess.interactive(
                    "docker", ["build", "-t", tag.description, directory], environment: docker.environment,
                    outputToStandardError: true)
                guard status == 0 else {
                    throw CommandFailure("docker build of '\(directory)' failed (status \(status)): image '\(destinationName)' not saved")
                }
                try await transfer.importImage(tag, as: destinationName, force: force)
            }
        } catch {
            await docker.removeQuietly(images: [tag.description])
            if signals.receivedSignal != nil { throw CommandFailure("interrupted: image '\(destinationName)' not saved") }
            throw error
        }
        await docker.removeQuietly(images: [tag.description])
        progress("Built \(directory) into \(destinationName)")
    }
}
