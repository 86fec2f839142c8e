import DockerClient
import Foundation
import HostSystem
import SiteConfig
import VMAllocator

/// Runs one job's docker VM on this node from start to clean-up: the body of `pcocc-docker-node vm`.
///
/// Whatever ends it (a stop request, the domain stopping by itself, an error), the domain is
/// destroyed, endpoint.json removed, the private libvirtd stopped and the scratch directory
/// removed before `run` returns or throws.
public struct VMSupervisor: Sendable {
    public let settings: VMSettings
    /// Opens the hypervisor for a URI: libvirt for real, a fake in the lifecycle tests.
    let openHypervisor: @Sendable (String) async throws(VMError) -> any Hypervisor
    /// Asks Slurm whether the job still runs (only inside the job's own step).
    let jobWatch: JobWatch?

    /// How often the running VM's domain state is read (a stop request wakes the supervisor at once).
    static let domainCheckInterval = Duration.seconds(1)
    static let probeInterval = Duration.milliseconds(300)
    /// How long a restored guest gets to answer before it is taken for broken (it answers within a second or two).
    static let restoredReadyLimit = Duration.seconds(60)
    /// A restored guest answers within about a second: polled finer, since each poll's wait adds to the start.
    static let restoredProbeInterval = Duration.milliseconds(50)

    /// `environment` tells whether this is the job's own step (SLURM_JOB_ID), which then watches its job.
    public init(settings: VMSettings, environment: [String: String] = ProcessInfo.processInfo.environment) {
        var watch: JobWatch?
        if environment["SLURM_JOB_ID"] == settings.job.jobID,
            let scheduler = try? SlurmScheduler(environment: environment)
        {
            watch = JobWatch(scheduler: scheduler, jobID: settings.job.jobID)
        }
        self.init(settings: settings, jobWatch: watch) { uri throws(VMError) in
            try await LibvirtHypervisor.connect(uri: uri)
        }
    }

    init(
        settings: VMSettings, jobWatch: JobWatch? = nil,
        openHypervisor: @escaping @Sendable (String) async throws(VMError) -> any Hypervisor
    ) {
        self.settings = settings
        self.jobWatch = jobWatch
        self.openHypervisor = openHypervisor
    }

    /// Boots the VM, publishes endpoint.json once dockerd answers, then keeps the VM until a
    /// stop is asked for, which it returns. Throws when the VM cannot start or stops by itself.
    public func run() async throws(VMError) -> StopReason {
        var phases = PhaseTimer(enabled: settings.reportTimings)
        let monitor = LifetimeMonitor()
        defer { monitor.cancel() }
        let image = try GuestImage.load(directory: settings.imageDirectory)
        try checkJobDirectory()
        EndpointWriter.remove(settings.job.endpointFile)
        VMStage.preparing.write(to: settings.job)
        let scratch = try await ScratchDirectory.create(
            parent: settings.scratchDirectory, userID: settings.userID, jobID: settings.job.jobID)
        var hypervisor: (any Hypervisor)?
        var domain: DomainHandle?
        var storage: PersistentStorage.Lease?
        var savedGuest: SavedGuestStore.Hold?
        defer { _ = (storage, savedGuest) }
        do throws(VMError) {
            let shares = try GuestConfig.shares(for: settings.shares.filter { Self.existsOrWarn($0.source) })
            storage = try await leasePersistentStorage()
            let guestConfig = GuestConfig(
                dockerIptables: settings.dockerIptables, network: settings.network, daemon: settings.daemon,
                persistentDataDisk: storage != nil)
            try scratch.writeGuestConfig(guestConfig)
            let jobDisk = try JobDisk.create(at: scratch.jobDiskPath)
            let job = GuestJob(
                files: try GuestJob.serverFiles(in: settings.job.serverCertificates), shares: shares)
            phases.mark("prepare")

            VMStage.startingLibvirt.write(to: settings.job)
            scratch.linkCapabilitiesCache(parent: settings.scratchDirectory, userID: settings.userID)
            scratch.exportLibvirtEnvironment()
            let connected = try await connect()
            hypervisor = connected
            phases.mark("libvirt")

            VMStage.startingVM.write(to: settings.job)
            var vmSpec = vmSpec(image: image, scratch: scratch, shares: shares)
            if let storage {
                vmSpec.dataDiskPath = storage.diskPath
                vmSpec.dataDiskIsPersistent = true
            }
            let spec = vmSpec
            // One deadline for the whole start, as the launcher waits: a first start of a shape boots and saves a
            // guest, then restores it, within it.
            let deadline = ContinuousClock.now + .seconds(settings.readyTimeoutSeconds)
            var running: (domain: DomainHandle, port: Int)?
            var restoreFailed = false
            if let starter = await savedGuestStarter(
                connected, spec: spec, scratch: scratch, image: image, guestConfig: guestConfig, monitor: monitor)
            {
                switch await starter.start(deadline: deadline) {
                case .restored(let restored):
                    domain = restored.domain
                    savedGuest = restored.hold
                    VMLog.write("restored the saved guest \(starter.shape.key)")
                    // After the restore, so that the clock it carries is the host's when the guest reads it.
                    try jobDisk.write(job)
                    phases.mark("restore")
                    do throws(VMError) {
                        let limit = min(deadline, ContinuousClock.now + Self.restoredReadyLimit)
                        if let reason = try await waitUntilReady(
                            connected, restored.domain, port: restored.port, monitor: monitor, deadline: limit,
                            booting: false)
                        {
                            await tearDown(hypervisor, domain, scratch)
                            return reason
                        }
                        running = (restored.domain, restored.port)
                    } catch {
                        // A saved guest that restores but does not serve would fail every later job too.
                        try? await connected.destroy(restored.domain)
                        domain = nil
                        starter.invalidate(restored)
                        savedGuest = nil
                        scratch.removeRestoredDisks()
                        restoreFailed = true
                        notice("booting the docker VM: the restored guest did not answer (\(error.message))")
                    }
                case .boot(let reason):
                    notice("booting the docker VM: \(reason)")
                }
            }
            if let stop = monitor.stopReason {
                await tearDown(hypervisor, domain, scratch)
                return stop
            }
            let started: DomainHandle
            let port: Int
            if let running {
                (started, port) = running
            } else {
                try await scratch.createDisks(
                    backingFile: image.diskPath, dataDiskGiB: storage == nil ? settings.dataDiskGiB : nil)
                let (booted, bootPort) = try await DomainStarter(hypervisor: connected, spec: spec).start()
                domain = booted
                try jobDisk.write(job)
                phases.mark("domain")
                // A boot after a restored guest failed gets the full time again.
                let limit = restoreFailed ? ContinuousClock.now + .seconds(settings.readyTimeoutSeconds) : deadline
                if let reason = try await waitUntilReady(
                    connected, booted, port: bootPort, monitor: monitor, deadline: limit, booting: true)
                {
                    await tearDown(hypervisor, domain, scratch)
                    return reason
                }
                (started, port) = (booted, bootPort)
            }
            try publish(port: port)
            VMStage.ready.write(to: settings.job)
            phases.mark("ready")
            phases.report()

            let reason = try await watch(connected, started, monitor: monitor)
            VMLog.write("stopping the docker VM: \(reason)")
            await tearDown(hypervisor, domain, scratch)
            return reason
        } catch {
            await tearDown(hypervisor, domain, scratch)
            throw error
        }
    }

    private func checkJobDirectory() throws(VMError) {
        let needed =
            ["ca.pem", "server-cert.pem", "server-key.pem"].map { "\(settings.job.serverCertificates)/\($0)" }
            + ["ca.pem", "cert.pem", "key.pem"].map { "\(settings.job.clientCertificates)/\($0)" }
        if let missing = needed.first(where: { !FileManager.default.isReadableFile(atPath: $0) }) {
            throw VMError(
                .certificatesMissing,
                "job certificate \(missing) is missing on this node: state_dir (pcocc-docker.yaml) must be on a file system the compute nodes share"
            )
        }
        do {
            try PrivateDirectory.make(settings.job.dockerDirectory)
        } catch {
            throw VMError(.fileSystem, error.description)
        }
    }

    /// The user's persistent docker storage when it is on and free; busy (another job of the user has it), the VM
    /// gets a fresh disk and the step says why.
    private func leasePersistentStorage() async throws(VMError) -> PersistentStorage.Lease? {
        guard let section = settings.persistentStorage else { return nil }
        let storage = PersistentStorage(section)
        switch try await storage.acquire(jobID: settings.job.jobID, node: HostNetwork.hostname()) {
        case .leased(let lease):
            VMLog.write("persistent docker storage: \(storage.diskPath)")
            return lease
        case .busy(let holder):
            notice(
                "persistent docker storage \(storage.diskPath) is in use by \(holder): this job uses a fresh disk, "
                    + "kept only until it ends")
            return nil
        }
    }

    /// Restores a saved guest unless the settings say boot or the data disk is persistent storage (a saved guest has
    /// its own data disk); nil then, with a notice for the second case.
    private func savedGuestStarter(
        _ hypervisor: any Hypervisor, spec: VMSpec, scratch: ScratchDirectory, image: GuestImage,
        guestConfig: GuestConfig, monitor: LifetimeMonitor
    ) async -> SavedGuestStarter? {
        guard settings.start == .restore else { return nil }
        guard !guestConfig.persistentDataDisk else {
            VMLog.write("booting the docker VM: persistent storage cannot be part of a saved guest")
            return nil
        }
        let cache: String
        do {
            cache = try ScratchDirectory.sharedCapabilitiesCache(
                parent: settings.scratchDirectory, userID: settings.userID)
        } catch {
            notice("booting the docker VM: \(error.message)")
            return nil
        }
        let versions: HypervisorVersions
        do {
            versions = try await hypervisor.versions()
        } catch {
            notice("booting the docker VM: \(error.message)")
            return nil
        }
        let shape = GuestShape(
            image: image, versions: versions, kind: spec.kind, cpus: spec.cpus,
            memoryMiB: spec.memoryMiB, shareCount: spec.sharedDirectories.count, dataDiskGiB: settings.dataDiskGiB,
            guestConfig: guestConfig)
        return SavedGuestStarter(
            hypervisor: hypervisor, store: SavedGuestStore(cache: cache), shape: shape, spec: spec, scratch: scratch,
            image: image, guestConfig: guestConfig, dataDiskGiB: settings.dataDiskGiB, monitor: monitor,
            notify: { [self] text in notice(text) }
        ) { [job = settings.job] stage in
            stage.write(to: job)
        }
    }

    /// Tells the user (docker/notices, shown by the launcher) and the step's log.
    private func notice(_ text: String) {
        VMLog.write(text)
        VMNotices.add(text, to: settings.job)
    }

    private func connect() async throws(VMError) -> any Hypervisor {
        do {
            return try await openHypervisor(settings.libvirtURI)
        } catch  where getuid() == 0 && settings.libvirtURI.hasSuffix("///session") {
            throw VMError(
                error.code,
                error.message + " (as root, qemu:///session goes to the system daemon: run as the job's user)",
                libvirtCode: error.libvirtCode)
        }
    }

    private func vmSpec(image: GuestImage, scratch: ScratchDirectory, shares: [VMSpec.SharedDirectory]) -> VMSpec {
        let kind = settings.domainKind ?? DomainKindDetector.detectHost()
        let cpus = kind.vcpus(requested: settings.resources.cpus)
        if cpus < settings.resources.cpus {
            notice(
                "no KVM on this node: the docker VM is emulated and gets \(cpus) vCPU, not \(settings.resources.cpus) "
                    + "(an emulated guest with several crashes when its kernel patches its own code)")
        }
        return VMSpec(
            name: VMSpec.domainName(jobID: settings.job.jobID, userID: settings.userID),
            kind: kind, cpus: cpus, memoryMiB: settings.resources.memoryMiB,
            kernelPath: image.kernelPath, initrdPath: image.initrdPath, kernelCommandLine: image.vmCommandLine,
            rootDiskPath: scratch.overlayPath, dataDiskPath: scratch.dataDiskPath, jobDiskPath: scratch.jobDiskPath,
            consoleLogPath: settings.job.consoleLog,
            firmwareFiles: [VMSpec.FirmwareFile(name: "opt/pcocc/config", path: scratch.guestConfigPath)],
            sharedDirectories: shares, forwardAddress: settings.bindAddress, forwardPort: 0, network: settings.network)
    }

    /// Polls dockerd with a real mutual-TLS ping until it answers, the deadline passes, the
    /// domain stops, or a stop is asked for (returned).
    private func waitUntilReady(
        _ hypervisor: any Hypervisor, _ domain: DomainHandle, port: Int, monitor: LifetimeMonitor,
        deadline: ContinuousClock.Instant, booting: Bool
    ) async throws(VMError) -> StopReason? {
        let console = ConsoleLog(path: settings.job.consoleLog)
        var stage = VMStage.startingVM
        while ContinuousClock.now < deadline {
            if let reason = monitor.stopReason { return reason }
            // A restored guest's console shows no boot to follow.
            if booting, let seen = VMStage.fromConsole(console.tail(40).joined(separator: "\n")), seen != stage {
                stage = seen
                stage.write(to: settings.job)
            }
            guard try await hypervisor.state(of: domain).isActive else {
                throw VMError(
                    .domainStopped, "the docker VM stopped while booting (console log: \(console.path))",
                    details: console.tail())
            }
            if await DockerPing.ping(
                host: settings.probeAddress, port: port, certificateDirectory: settings.job.clientCertificates)
            {
                return nil
            }
            try? await Task.sleep(for: booting ? Self.probeInterval : Self.restoredProbeInterval)
        }
        throw VMError(
            .notReady,
            "dockerd in the VM did not answer within \(settings.readyTimeoutSeconds) s (console log: \(console.path))",
            details: console.tail())
    }

    private func publish(port: Int) throws(VMError) {
        let node = HostNetwork.hostname()
        let host =
            settings.advertisedHost
            ?? EndpointHost.host(
                bindAddress: settings.bindAddress, hostname: node, resolve: HostNetwork.resolve,
                localAddresses: HostNetwork.interfaceAddresses())
        let record = EndpointRecord(
            host: host, port: port, node: node, started: Date().timeIntervalSince1970, pid: getpid())
        try EndpointWriter.write(record, to: settings.job.endpointFile)
        VMLog.write("docker VM ready on \(HostNetwork.hostPort(host, port))")
    }

    /// Waits for a stop request or the end of the job (returned) or the domain stopping by itself (thrown): a stop
    /// request wakes it at once, the domain's state is read every `domainCheckInterval`, the job's every
    /// `JobWatch.interval`.
    private func watch(
        _ hypervisor: any Hypervisor, _ domain: DomainHandle, monitor: LifetimeMonitor
    ) async throws(VMError) -> StopReason {
        let consolePath = settings.job.consoleLog
        let jobWatch = self.jobWatch
        let outcome = await withTaskGroup(of: Result<StopReason, VMError>?.self) { group in
            group.addTask { await monitor.nextStop().map { .success($0) } }
            if let jobWatch {
                group.addTask { await jobWatch.waitForEnd().map { .success(.jobEnded($0)) } }
            }
            group.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: Self.domainCheckInterval)
                    do throws(VMError) {
                        if try await !hypervisor.state(of: domain).isActive { break }
                    } catch {
                        return .failure(error)
                    }
                }
                if Task.isCancelled { return nil }
                let console = ConsoleLog(path: consolePath)
                return .failure(
                    VMError(
                        .domainStopped, "the docker VM stopped by itself (console log: \(console.path))",
                        details: console.tail()))
            }
            defer { group.cancelAll() }
            while let next = await group.next() {
                if let next { return next }
            }
            return Result<StopReason, VMError>.success(.parentExited)
        }
        return try outcome.get()
    }

    /// Best effort on every path: each step runs even when an earlier one failed.
    private func tearDown(_ hypervisor: (any Hypervisor)?, _ domain: DomainHandle?, _ scratch: ScratchDirectory) async {
        EndpointWriter.remove(settings.job.endpointFile)
        if let hypervisor {
            if let domain { try? await hypervisor.destroy(domain) }
            await hypervisor.close()
        }
        await PrivateDaemons.stop(runtimeDirectory: scratch.runtimeDirectory)
        scratch.remove()
    }

    private static func existsOrWarn(_ directory: String) -> Bool {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue {
            return true
        }
        VMLog.write("warning: shared directory \(directory) does not exist on this node; not shared with the VM")
        return false
    }
}
