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

    /// With the user's job list from Slurm (ps, stop): the state directories and contexts of jobs that are no longer
    /// active. Returns the job ids cleaned.
    @discardableResult
    public func sweep(activeJobIDs: Set<String>) -> [String] {
        var cleaned: [String] = []
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: stateDirectory)) ?? []
        for entry in entries where entry.hasPrefix("job_") {
            let jobID = String(entry.dropFirst(4))
            guard !jobID.isEmpty, jobID.allSatisfy(\.isNumber), !activeJobIDs.contains(jobID) else { continue }
            JobDirectory(stateDirectory: stateDirectory, jobID: jobID).remove()
            cleaned.append(jobID)
        }
        for name in contexts.names() {
            guard let jobID = DockerContextStore.jobID(ofContext: name), !activeJobIDs.contains(jobID) else { continue }
            contexts.remove(name: name)
            if !cleaned.contains(jobID) { cleaned.append(jobID) }
        }
        return cleaned
    }
}
