/// How the launcher was started, and so when it lets the VM go.
public enum LaunchMode: String, Sendable, Codable {
    /// Inside `salloc`: the VM lives as long as the user's shell (or -E script).
    case alloc
    /// Inside `sbatch`: the VM lives until the job ends, or until the -E host script ends.
    case batch
}

/// What `docker/job.json` records: that the directory belongs to a docker job, and how it started.
public struct JobRecord: Codable, Sendable, Equatable {
    public var jobID: String
    public var mode: LaunchMode
    public var node: String
    public var created: Double

    enum CodingKeys: String, CodingKey {
        case jobID = "job_id", mode, node, created
    }

    public init(jobID: String, mode: LaunchMode, node: String, created: Double) {
        self.jobID = jobID
        self.mode = mode
        self.node = node
        self.created = created
    }
}
