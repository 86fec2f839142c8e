/// The command line of the job's VM step (`pcocc-docker-node vm ...`) as srun runs it on the node: everything the
/// step needs that the node cannot read from the configuration itself.
public struct VMStepCommand: Sendable, Equatable {
    /// The node executable (pcocc-docker-node), by absolute path.
    public var executable: String
    public var jobDirectory: String
    public var jobID: String
    /// Slurm's NodeAddr of the node: the address clients use, named in the server certificate.
    public var nodeAddress: String
    public var readyTimeoutSeconds: Int

    public init(executable: String, jobDirectory: String, jobID: String, nodeAddress: String, readyTimeoutSeconds: Int)
    {
        self.executable = executable
        self.jobDirectory = jobDirectory
        self.jobID = jobID
        self.nodeAddress = nodeAddress
        self.readyTimeoutSeconds = readyTimeoutSeconds
    }

    public var arguments: [String] {
        [
            executable, "vm", "--job-dir", jobDirectory, "--job-id", jobID, "--host", nodeAddress,
            "--ready-timeout", String(readyTimeoutSeconds),
        ]
    }
}
