/// Starts the domain on a freshly picked port, trying again on another port when QEMU
/// could not bind it (someone took it between our probe and QEMU's bind).
struct DomainStarter {
    static let attempts = 3

    let hypervisor: any Hypervisor
    let pickPort: @Sendable () throws(VMError) -> Int
    let domainXML: @Sendable (Int) -> String
    /// A saved state to restore instead of booting, and the saved domain's name.
    var savedState: (path: String, domainName: String)?

    func start() async throws(VMError) -> (domain: DomainHandle, port: Int) {
        var lastConflict: VMError?
        for _ in 0..<Self.attempts {
            let port = try pickPort()
            do {
                if let savedState {
                    let domain = try await hypervisor.restore(
                        from: savedState.path, domainXML: domainXML(port), name: savedState.domainName)
                    return (domain, port)
                }
                return (try await hypervisor.start(domainXML: domainXML(port)), port)
            } catch  where PortAllocator.isPortConflict(error) {
                lastConflict = error
            }
        }
        throw VMError(
            .noFreePort,
            "no free TCP port: QEMU could not bind a forwarded port \(Self.attempts) times"
                + (lastConflict.map { " (\($0.message))" } ?? ""))
    }
}

extension DomainStarter {
    /// `spec`'s domain on a port picked on its forward address, restored from `savedState` when given.
    init(hypervisor: any Hypervisor, spec: VMSpec, savedState: String? = nil) {
        self.init(
            hypervisor: hypervisor,
            pickPort: { [address = spec.forwardAddress] () throws(VMError) in
                try PortAllocator.freePort(on: address)
            },
            domainXML: { port in
                var withPort = spec
                withPort.forwardPort = port
                return DomainDefinition(withPort).xml
            },
            savedState: savedState.map { ($0, spec.name) })
    }
}
