import Foundation

/// Picks the docker job a command acts on: -j JOBID, -J JOBNAME, $PCOCC_JOB_ID (set in docker
/// shells), else the user's only active docker job, else an error listing the candidates.
public struct JobSelector: Sendable {
    public let scheduler: any Scheduler
    public let stateDirectory: String
    public let userID: uid_t

    public init(scheduler: any Scheduler, stateDirectory: String, userID: uid_t = getuid()) {
        self.scheduler = scheduler
        self.stateDirectory = stateDirectory
        self.userID = userID
    }

    /// `acceptEnded`: a job Slurm has ended may be chosen by id (stop cleans up after a node failure); otherwise it
    /// is an error saying so.
    public func select(
        jobID: String?, jobName: String?, environment: [String: String], acceptEnded: Bool = false
    ) async throws -> (JobInfo, JobDirectory) {
        if let id = jobID ?? (jobName == nil ? environment["PCOCC_JOB_ID"] : nil) {
            return try await byID(id, acceptEnded: acceptEnded)
        }
        let candidates = try await dockerJobs().filter { jobName == nil || $0.name == jobName }
        switch candidates.count {
        case 1: return (candidates[0], directory(of: candidates[0].id))
        case 0: throw jobName.map { JobError.noJobNamed($0) } ?? JobError.noDockerJob
        default:
            throw JobError.ambiguousJob(candidates: candidates.map { "\($0.id) (\($0.name), \($0.state.rawValue))" })
        }
    }

    /// The user's active jobs that are docker jobs: started by pcocc-docker (comment) or with a state directory.
    public func dockerJobs() async throws -> [JobInfo] {
        try await scheduler.jobs(ofUser: userID).filter { job in
            job.isActive && (job.comment == SlurmCommandLine.jobComment || directory(of: job.id).exists)
        }
    }

    /// What `ps` lists: the active docker jobs, and the ones Slurm still remembers that ended badly (a node failure,
    /// an out-of-memory kill) or left a state directory, so that users learn why their daemon is gone.
    public func listedJobs(among known: [JobInfo]) -> [JobInfo] {
        known.filter { job in
            let ours = job.comment == SlurmCommandLine.jobComment || directory(of: job.id).exists
            return ours && (job.isActive || job.state.endedBadly || directory(of: job.id).exists)
        }
    }

    func byID(_ id: String, acceptEnded: Bool = false) async throws -> (JobInfo, JobDirectory) {
        let job = try await scheduler.ownedJob(id, by: userID)
        let directory = directory(of: job.id)
        if acceptEnded && !job.isActive && (job.comment == SlurmCommandLine.jobComment || directory.exists) {
            return (job, directory)
        }
        guard job.isActive else {
            // The launcher removes the directory when the job ends; one left by a killed launcher goes now.
            directory.remove()
            throw JobError.jobFinished(jobID: job.id)
        }
        guard job.comment == SlurmCommandLine.jobComment || directory.exists else {
            throw JobError.notADockerJob(jobID: job.id)
        }
        return (job, directory)
    }

    func directory(of id: String) -> JobDirectory { JobDirectory(stateDirectory: stateDirectory, jobID: id) }
}
