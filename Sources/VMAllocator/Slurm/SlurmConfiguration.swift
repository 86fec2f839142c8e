import Foundation

/// Finds the slurm.conf libslurm would read, before libslurm reads it: `slurm_init` calls
/// fatal() and exits the whole process when it finds no configuration.
public enum SlurmConfiguration {
    public static let defaultPath = "/etc/slurm/slurm.conf"

    /// SLURM_CONF when set (it must then name a readable file), else /etc/slurm/slurm.conf.
    ///
    /// Configless Slurm (DNS SRV records, no local file) is not supported: libslurm would exit
    /// the process when the lookup fails, and the login nodes pcocc-docker runs on have a file.
    public static func path(
        environment: [String: String],
        isReadableFile: (String) -> Bool = { FileManager.default.isReadableFile(atPath: $0) }
    ) throws(JobError) -> String {
        if let path = environment["SLURM_CONF"], !path.isEmpty {
            guard isReadableFile(path) else {
                throw .noConfiguration("SLURM_CONF=\(path) is not a readable file")
            }
            return path
        }
        guard isReadableFile(defaultPath) else {
            throw .noConfiguration("set SLURM_CONF or create \(defaultPath)")
        }
        return defaultPath
    }
}
