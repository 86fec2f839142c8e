/// What the VM step needs from a hypervisor, so its logic runs against a fake in unit tests
/// and against libvirt for real.
public protocol Hypervisor: Sendable {
    /// Defines and starts a transient domain. The real one starts it with AUTODESTROY so the
    /// hypervisor destroys it when our connection goes away, even if we are SIGKILLed.
    func start(domainXML: String) async throws(VMError) -> DomainHandle
    /// The current state; a domain that no longer exists is `.shutoff`.
    func state(of domain: DomainHandle) async throws(VMError) -> DomainState
    /// Powers the domain off at once; a domain already gone is not an error.
    func destroy(_ domain: DomainHandle) async throws(VMError)
    /// Drops the connection (and with it every autodestroy domain it started).
    func close() async
    /// Writes the running domain's memory and device state to `path`; the domain is then gone.
    func save(_ domain: DomainHandle, to path: String) async throws(VMError)
    /// Runs the domain `name` from a state `save` wrote, with `domainXML`'s devices: its name, UUID, memory and vCPUs
    /// must be the saved domain's (libvirt refuses otherwise); disk, console and share paths and QEMU arguments may
    /// differ. libvirt cannot restore with AUTODESTROY: the caller destroys it on every path.
    func restore(from path: String, domainXML: String, name: String) async throws(VMError) -> DomainHandle
    /// The hypervisor's and libvirt's versions (major * 1,000,000 + minor * 1,000 + release).
    func versions() async throws(VMError) -> HypervisorVersions
}

public struct HypervisorVersions: Sendable, Equatable {
    public var hypervisor: UInt
    public var library: UInt

    public init(hypervisor: UInt, library: UInt) {
        self.hypervisor = hypervisor
        self.library = library
    }
}

/// A domain started by a `Hypervisor`, named as in its XML.
public struct DomainHandle: Sendable, Hashable {
    public let name: String

    public init(name: String) {
        self.name = name
    }
}

public enum DomainState: Sendable, Equatable {
    case running
    case paused
    case shuttingDown
    case shutoff
    case crashed
    case other(Int32)

    /// Whether the guest can still be serving: anything but stopped.
    public var isActive: Bool {
        switch self {
        case .running, .paused, .shuttingDown, .other: return true
        case .shutoff, .crashed: return false
        }
    }
}
