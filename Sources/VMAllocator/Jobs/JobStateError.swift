/// Errors about a job's state directory and its docker VM, as the CLI shows them.
public enum JobStateError: Error, Sendable, CustomStringConvertible {
    case untrustedState(reason: String)
    case notADockerJob(jobID: String)
    case noDockerJob
    case ambiguousJob(candidates: [String])
    case jobNotFound(name: String)
    case jobFinished(jobID: String)
    case vmFailed(jobID: String, detail: String, log: String)
    case vmNotReady(jobID: String, seconds: Int, log: String)
    case vmNotStarted(jobID: String, state: String)
    case jobStartTimeout(jobID: String, seconds: Int, reason: String)
    case invalidEndpoint(path: String)

    /// The same error pointing at `log`, where the logs were kept.
    public func withLogs(_ log: String) -> JobStateError {
        switch self {
        case .vmFailed(let id, let detail, _): return .vmFailed(jobID: id, detail: detail, log: log)
        case .vmNotReady(let id, let seconds, _): return .vmNotReady(jobID: id, seconds: seconds, log: log)
        default: return self
        }
    }

    public var description: String {
        switch self {
        case .untrustedState(let reason):
            return reason
        case .notADockerJob(let id):
            return "job \(id) is not a pcocc-docker job (no docker VM state for it): start one with 'pcocc-docker alloc' or 'batch'"
        case .noDockerJob:
            return "you have no running docker job: start one with 'pcocc-docker alloc' or 'pcocc-docker batch'"
        case .ambiguousJob(let candidates):
            return "you have several docker jobs (\(candidates.joined(separator: ", "))): choose one with -j JOBID"
        case .jobNotFound(let name):
            return "no docker job of yours is named '\(name)': see 'pcocc-docker ps'"
        case .jobFinished(let id):
            return "job \(id) has finished: its docker VM is gone"
        case .vmFailed(let id, let detail, let log):
            return "the docker VM of job \(id) failed: \(detail) (details: \(log))"
        case .vmNotReady(let id, let seconds, let log):
            return "the docker VM of job \(id) was not ready after \(seconds) s (console: \(log)); raise -T or timeouts.vm_ready"
        case .vmNotStarted(let id, let state):
            return "the docker VM of job \(id) is not ready yet (job \(state)): 'pcocc-docker shell -j \(id)' waits for it"
        case .jobStartTimeout(let id, let seconds, let reason):
            return "job \(id) is still pending after \(seconds) s (\(reason)): it stays queued; raise timeouts.job_start or check 'squeue -j \(id)'"
        case .invalidEndpoint(let path):
            return "\(path) is not a valid endpoint file: the VM step may have been interrupted"
        }
    }
}
