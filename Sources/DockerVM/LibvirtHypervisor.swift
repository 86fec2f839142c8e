internal import CLibvirt
import HostSystem

/// `Hypervisor` over the libvirt C API.
///
/// libvirt calls block (a domain start under TCG takes about a second, a destroy nearly two),
/// so they all run on one serial queue owned by this object, never on the cooperative pool;
/// the queue also confines the connection and domain handles, hence `@unchecked Sendable`.
public final class LibvirtHypervisor: Hypervisor, @unchecked Sendable {
    private let queue: BlockingQueue
    private let startFlags: UInt32
    // Touched only on `queue`.
    private var connection: LibvirtConnection?
    private var domains: [String: LibvirtDomain] = [:]

    private init(connection: LibvirtConnection, queue: BlockingQueue, autodestroy: Bool) {
        self.connection = connection
        self.queue = queue
        self.startFlags = autodestroy ? VIR_DOMAIN_START_AUTODESTROY.rawValue : 0
    }

    /// Opens `uri`. `autodestroy` is on for real VMs; `test:///default` refuses the flag.
    public static func connect(uri: String, autodestroy: Bool = true) async throws(VMError) -> LibvirtHypervisor {
        let queue = BlockingQueue(label: "pcocc-docker.libvirt")
        let connection = try await queue.perform { () throws(VMError) in try LibvirtConnection(uri: uri) }
        return LibvirtHypervisor(connection: connection, queue: queue, autodestroy: autodestroy)
    }

    public func start(domainXML: String) async throws(VMError) -> DomainHandle {
        try await run { () throws(VMError) in
            let connection = try self.openConnection()
            guard let pointer = virDomainCreateXML(connection.pointer, domainXML, self.startFlags) else {
                throw LibvirtLibrary.lastError("domain start")
            }
            let domain = LibvirtDomain(pointer: pointer, connection: connection)
            guard let name = virDomainGetName(pointer).map({ String(cString: $0) }) else {
                let error = LibvirtLibrary.lastError("domain name")
                // Untracked, it could not be destroyed later: destroy it now.
                _ = virDomainDestroy(pointer)
                throw error
            }
            self.domains[name] = domain
            return DomainHandle(name: name)
        }
    }

    public func state(of domain: DomainHandle) async throws(VMError) -> DomainState {
        try await run { () throws(VMError) in
            guard let handle = self.domains[domain.name] else { return .shutoff }
            var state: Int32 = 0
            var reason: Int32 = 0
            guard virDomainGetState(handle.pointer, &state, &reason, 0) == 0 else {
                let error = LibvirtLibrary.lastError("domain state of '\(domain.name)'")
                if error.libvirtCode == Int32(VIR_ERR_NO_DOMAIN.rawValue) { return .shutoff }
                throw error
            }
            return Self.state(state)
        }
    }

    public func destroy(_ domain: DomainHandle) async throws(VMError) {
        try await run { () throws(VMError) in
            guard let handle = self.domains.removeValue(forKey: domain.name) else { return }
            guard virDomainDestroy(handle.pointer) == 0 else {
                let error = LibvirtLibrary.lastError("destroy of '\(domain.name)'")
                let gone = [VIR_ERR_NO_DOMAIN.rawValue, VIR_ERR_OPERATION_INVALID.rawValue].map { Int32($0) }
                if let code = error.libvirtCode, gone.contains(code) { return }
                throw error
            }
        }
    }

    public func save(_ domain: DomainHandle, to path: String) async throws(VMError) {
        try await run { () throws(VMError) in
            guard let handle = self.domains[domain.name] else {
                throw VMError(.libvirt, "libvirt save of '\(domain.name)' failed: the domain is gone")
            }
            // Written straight to disk: the state is read once per later start, not right away.
            guard virDomainSaveFlags(handle.pointer, path, nil, VIR_DOMAIN_SAVE_BYPASS_CACHE.rawValue) == 0 else {
                throw LibvirtLibrary.lastError("save of '\(domain.name)'")
            }
            self.domains.removeValue(forKey: domain.name)
        }
    }

    public func restore(from path: String, domainXML: String, name: String) async throws(VMError) -> DomainHandle {
        try await run { () throws(VMError) in
            let connection = try self.openConnection()
            guard virDomainRestoreFlags(connection.pointer, path, domainXML, VIR_DOMAIN_SAVE_RUNNING.rawValue) == 0
            else {
                throw LibvirtLibrary.lastError("restore from \(path)")
            }
            guard let pointer = virDomainLookupByName(connection.pointer, name) else {
                throw LibvirtLibrary.lastError("lookup of the restored domain '\(name)'")
            }
            self.domains[name] = LibvirtDomain(pointer: pointer, connection: connection)
            return DomainHandle(name: name)
        }
    }

    public func versions() async throws(VMError) -> HypervisorVersions {
        try await run { () throws(VMError) in
            let connection = try self.openConnection()
            var hypervisor: UInt = 0
            var library: UInt = 0
            guard virConnectGetVersion(connection.pointer, &hypervisor) == 0,
                virConnectGetLibVersion(connection.pointer, &library) == 0
            else {
                throw LibvirtLibrary.lastError("version query")
            }
            return HypervisorVersions(hypervisor: hypervisor, library: library)
        }
    }

    public func close() async {
        _ = try? await run { () throws(VMError) in
            self.domains.removeAll()
            self.connection = nil
        }
    }

    private func openConnection() throws(VMError) -> LibvirtConnection {
        guard let connection else { throw VMError(.libvirt, "libvirt connection already closed") }
        return connection
    }

    private func run<T: Sendable>(_ body: @escaping @Sendable () throws(VMError) -> T) async throws(VMError) -> T {
        try await queue.perform(body)
    }

    private static func state(_ raw: Int32) -> DomainState {
        switch UInt32(bitPattern: raw) {
        case VIR_DOMAIN_RUNNING.rawValue: return .running
        case VIR_DOMAIN_PAUSED.rawValue, VIR_DOMAIN_PMSUSPENDED.rawValue: return .paused
        case VIR_DOMAIN_SHUTDOWN.rawValue: return .shuttingDown
        case VIR_DOMAIN_SHUTOFF.rawValue: return .shutoff
        case VIR_DOMAIN_CRASHED.rawValue: return .crashed
        default: return .other(raw)
        }
    }
}
