import Foundation

/// vCPUs and memory of the VM, from explicit values or from the Slurm step's allocation.
public struct VMResources: Sendable, Equatable {
    public var cpus: Int
    public var memoryMiB: Int

    public init(cpus: Int, memoryMiB: Int) {
        self.cpus = cpus
        self.memoryMiB = memoryMiB
    }

    /// vCPUs when neither a value nor Slurm says how many.
    public static let fallbackCPUs = 2
    /// Kept out of the guest when its memory is the whole Slurm allocation: QEMU and libvirtd
    /// live in the same job cgroup, and a guest that fills its RAM would get them OOM-killed.
    public static let hostReserveMiB = 256
    public static let minimumMemoryMiB = 512

    /// `cpus`/`memoryMiB` nil means "from the allocation": SLURM_CPUS_ON_NODE, then
    /// SLURM_MEM_PER_NODE or SLURM_MEM_PER_CPU x CPUs (less `hostReserveMiB`); outside Slurm,
    /// `fallbackCPUs` and `memoryPerCPUMiB` x vCPUs.
    public static func resolve(
        cpus: Int?, memoryMiB: Int?, memoryPerCPUMiB: Int, environment: [String: String]
    ) -> VMResources {
        let slurmCPUs = positive(environment["SLURM_CPUS_ON_NODE"])
        let resolvedCPUs = cpus ?? slurmCPUs ?? fallbackCPUs
        if let memoryMiB { return VMResources(cpus: resolvedCPUs, memoryMiB: memoryMiB) }
        var allocated: Int?
        if let perNode = positive(environment["SLURM_MEM_PER_NODE"]) {
            allocated = perNode
        } else if let perCPU = positive(environment["SLURM_MEM_PER_CPU"]) {
            allocated = perCPU * (slurmCPUs ?? resolvedCPUs)
        }
        guard let allocated else {
            return VMResources(cpus: resolvedCPUs, memoryMiB: memoryPerCPUMiB * resolvedCPUs)
        }
        let guest = max(allocated - hostReserveMiB, min(allocated, minimumMemoryMiB))
        return VMResources(cpus: resolvedCPUs, memoryMiB: guest)
    }

    /// Slurm writes plain integers; 0 for memory means "all of the node", which says nothing useful here.
    private static func positive(_ value: String?) -> Int? {
        guard let value, let number = Int(value.trimmingCharacters(in: .whitespaces)), number > 0 else { return nil }
        return number
    }
}
