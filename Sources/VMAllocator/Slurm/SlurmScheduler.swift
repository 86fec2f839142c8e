import Foundation

/// `Scheduler` backed by slurmctld through libslurm.
///
/// The configuration (SLURM_CONF, else /etc/slurm/slurm.conf) is checked when the scheduler is made,
/// and libslurm initialized from it on the first call: a missing one is a `JobError`, never a process exit.
/// Every message libslurm returns is copied into Swift values and freed before the call returns.
/// Each call blocks a private thread (not the cooperative pool) for up to ~18 s when slurmctld is down.
public struct SlurmScheduler: Scheduler {
    /// The slurm.conf this scheduler talks through.
    public let configuration: String

    /// `environment` supplies SLURM_CONF; libslurm reads one configuration per process, so all
    /// schedulers in a process must agree on it (a different one is refused with `.failed`).
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) throws(JobError) {
        configuration = try SlurmConfiguration.path(environment: environment)
    }

    public func job(_ id: String) async throws(JobError) -> JobInfo? {
        let number = try JobID.parse(id)
        return try await LibSlurm.call(configuration: configuration) { LibSlurm.loadJob(number, id: id) }
    }

    public func jobs(ofUser uid: uid_t) async throws(JobError) -> [JobInfo] {
        try await LibSlurm.call(configuration: configuration) { LibSlurm.loadJobs(ofUser: uid) }
    }

    public func cancel(_ id: String, signal: Int32?) async throws(JobError) {
        let number = try JobID.parse(id)
        try await LibSlurm.call(configuration: configuration) { LibSlurm.killJob(number, id: id, signal: signal) }
    }

    public func signalStep(_ id: String, step: UInt32, signal: Int32) async throws(JobError) {
        let number = try JobID.parse(id)
        try await LibSlurm.call(configuration: configuration) {
            LibSlurm.signalStep(number, step: step, id: id, signal: signal)
        }
    }

    public func nodeAddress(_ nodeName: String) async throws(JobError) -> (hostname: String, address: String) {
        try await LibSlurm.call(configuration: configuration) { LibSlurm.loadNodeAddress(nodeName) }
    }
}
