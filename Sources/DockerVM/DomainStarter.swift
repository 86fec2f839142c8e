/// Starts the domain on a freshly picked port, trying again on another port when QEMU
/// could not bind it (someone took it between our probe and QEMU's bind).
struct DomainStarter {
    static let attempts = 3

    let hypervisor: any Hypervisor
    let pickPort: @Sendable () throws(VMError) -> Int
    let domainXML: @Sendable (Int) -> String
    /// A saved state to restore instead of booting.
    var savedState: String?

    func start() async throws(VMError) -> (domain: DomainHandle, port: Int) {
        var lastConflict: VMError?
        for _ in 0..<Self.attempts {
            let port = try pickPort()
            do {
                if let savedState {
                    return (try await hypervisor.restore(from: savedState, domainXML: domainXML(port)), port)
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
