import ArgumentParser
import DockerClient
import Foundation
import HostSystem
import SiteConfig
import VMAllocator

/// -j / -J, shared by every command that acts on a running docker job.
struct JobOptions: ParsableArguments {
    @Option(name: .customShort("j"), help: ArgumentHelp("The docker job's id.", valueName: "jobid"))
    var jobID: String?

    @Option(name: .customShort("J"), help: ArgumentHelp("The docker job's name.", valueName: "jobname"))
    var jobName: String?

    func validate() throws {
        if jobID != nil && jobName != nil { throw ValidationError("give -j JOBID or -J JOBNAME, not both") }
    }

    var lookup: JobLookup { JobLookup(jobID: jobID, jobName: jobName) }

    func select(
        acceptEnded: Bool = false
    ) async throws -> (job: JobInfo, directory: JobDirectory, config: SiteConfiguration) {
        try await lookup.select(acceptEnded: acceptEnded)
    }

    func endpoint() async throws -> (
        job: JobInfo, directory: JobDirectory, endpoint: EndpointRecord, config: SiteConfiguration
    ) {
        try await lookup.endpoint()
    }

    func daemon() async throws -> (jobID: String, daemon: DaemonEndpoint, config: SiteConfiguration) {
        try await lookup.daemon()
    }
}

/// The job a command names (-j, -J, or neither), found as the man page's JOB SELECTION says. Apart from JobOptions
/// so that `env`'s fast path, which has no ArgumentParser values, selects the same way.
struct JobLookup: Equatable, Sendable {
    var jobID: String?
    var jobName: String?

    /// The job and its state directory; the state directory is checked before anything is read from it.
    func select(
        acceptEnded: Bool = false
    ) async throws -> (job: JobInfo, directory: JobDirectory, config: SiteConfiguration) {
        let environment = ProcessEnvironment.atStart
        let config = try SiteConfiguration.loadedForProcess()
        let selector = JobSelector(
            scheduler: try SlurmScheduler(environment: environment), stateDirectory: config.stateDirectory)
        let (job, directory) = try await selector.select(
            jobID: jobID, jobName: jobName, environment: environment, acceptEnded: acceptEnded)
        try directory.checkTrusted()
        return (job, directory, config)
    }

    /// The selected job's endpoint: an error saying how to wait when its VM is not up yet.
    func endpoint() async throws -> (
        job: JobInfo, directory: JobDirectory, endpoint: EndpointRecord, config: SiteConfiguration
    ) {
        let (info, directory, config) = try await select()
        guard let endpoint = try EndpointRecord.read(from: directory.endpointFile) else {
            throw JobError.vmNotStarted(jobID: info.id, state: info.state.rawValue)
        }
        return (info, directory, endpoint, config)
    }

    /// The selected job's running daemon, for the image commands, and the configuration they need.
    func daemon() async throws -> (jobID: String, daemon: DaemonEndpoint, config: SiteConfiguration) {
        let (info, directory, endpoint, config) = try await endpoint()
        return (info.id, directory.daemon(at: endpoint), config)
    }
}
