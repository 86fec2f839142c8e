/// How the launcher was started, and so when it lets the VM go.
public enum LaunchMode: String, Sendable, Codable, CaseIterable {
    /// Inside `salloc`: the VM lives as long as the user's shell (or -E script).
    case alloc
    /// Inside `sbatch`: the VM lives until the job ends, or until the -E host script ends.
    case batch
}
