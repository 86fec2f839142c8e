internal import CSlurm
import Foundation

/// Slurm host lists (`node[1-3,7],login`, `rack[1-2]-n[01-04]`), expanded by libslurm itself
/// (`slurm_hostlist_*`, what `scontrol show hostnames` uses), so every form Slurm writes is read
/// the way Slurm means it. libslurm needs no configuration for this: it is pure string work.
public enum HostList {
    /// The first host of a list: where the VM runs.
    public static func first(of list: String) -> String {
        expand(list).first ?? list
    }

    /// Every host of `list`, in Slurm's order. Slurm only hands out valid lists; one it cannot
    /// parse comes back whole, as a single name, so the caller's error names what it was given.
    public static func expand(_ list: String) -> [String] {
        guard let hosts = list.withCString({ slurm_hostlist_create($0) }) else { return [list] }
        defer { slurm_hostlist_destroy(hosts) }
        var names: [String] = []
        while let name = slurm_hostlist_shift(hosts) {
            names.append(String(cString: name))
            free(name)
        }
        return names
    }
}
