import DockerClient
import Foundation
import SiteConfig

/// Removes what ended jobs left on the login side: their docker contexts (`pcocc-JOBID`) and, with Slurm's word,
/// their state directories. A launcher that ended normally removed both itself; one that was killed (or whose
/// node failed) could not.
public struct EndedJobsJanitor: Sendable {
    public let stateDirectory: String
    public let contexts: DockerContextStore

    public init(stateDirectory: String, contexts: DockerContextStore = DockerContextStore()) {
        self.stateDirectory = stateDirectory
        self.contexts = contexts
    }

    /// Without asking Slurm (every command runs it): a pcocc context whose job has no state directory is of an ended
    /// job, since the launcher creates the directory before the context and removes it after.
    public func sweepContexts() {
        for name in contexts.names() {
            guard let jobID = DockerContextStore.jobID(ofContext: name) else { continue }
            if !JobDirectory(stateDirectory: stateDirectory, jobID: jobID).exists { contexts.remove(name: name) }
        }
    }

    /// With the user's jobs as Slurm knows them (ps): the state directories and contexts of the jobs that ended
    /// normally. Jobs that ended badly keep theirs until `stop` (ps lists them, so users learn why their daemon is
    /// gone); ids Slurm does not know are left alone (a home may be shared by several clusters). Returns the ids cleaned.
    @discardableResult
    public func sweep(knownJobs: [JobInfo]) -> [String] {
        let ended = knownJobs.filter { !$0.isActive && !$0.state.endedBadly }.map(\.id)
        var cleaned: [String] = []
        for jobID in ended {
            let directory = JobDirectory(stateDirectory: stateDirectory, jobID: jobID)
            let context = DockerContextStore.name(ofJob: jobID)
            guard directory.exists || contexts.names().contains(context) else { continue }
            directory.remove()
            contexts.remove(name: context)
            cleaned.append(jobID)
        }
        return cleaned
    }
}
