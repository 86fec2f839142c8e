/// The argument arrays of the Slurm programs pcocc-docker runs (never through a shell).
public enum SlurmCommandLine {
    /// Marks our jobs so that `ps` finds them before their state directory exists.
    public static let jobComment = "pcocc-docker"
    public static let defaultJobName = "pcocc-docker"

    /// `salloc [our defaults] [user options] -- launcher...`; the user's options come last so they win.
    public static func salloc(userOptions: [String], launcher: [String]) -> [String] {
        defaults(userOptions) + userOptions + ["--"] + launcher
    }

    /// `sbatch [our defaults] [user options]`, the script on standard input. A docker job is not requeued after a
    /// node failure (Slurm's default for batch jobs): its VM and images are gone, and a job that silently comes back
    /// pending would confuse `shell` and `ps`; the user's options can still ask for it (--requeue).
    public static func sbatch(userOptions: [String]) -> [String] {
        defaults(userOptions) + ["--parsable", "--no-requeue"] + userOptions
    }

    /// The step that runs the VM on the job's first node: one task with all of the node's CPUs,
    /// and Slurm ends the job's other steps if it fails.
    public static func srunVM(jobID: String, node: String, vmCommand: [String]) -> [String] {
        [
            "--jobid=\(jobID)", "--nodes=1", "--ntasks=1", "--nodelist=\(node)", "--job-name=docker-vm",
            "--kill-on-bad-exit=1", "--cpu-bind=none", "--quiet", "--",
        ] + vmCommand
    }

    /// The batch script: it only starts our launcher. Arguments are single-quoted for sh.
    public static func batchScript(launcher: [String]) -> String {
        "#!/bin/sh\nexec " + launcher.map(ShellExports.singleQuoted).joined(separator: " ") + "\n"
    }

    static func defaults(_ userOptions: [String]) -> [String] {
        var options = ["--comment=\(jobComment)"]
        let namesJob = userOptions.contains {
            $0 == "-J" || $0.hasPrefix("--job-name") || ($0.hasPrefix("-J") && $0.count > 2)
        }
        if !namesJob { options.append("--job-name=\(defaultJobName)") }
        return options
    }
}
