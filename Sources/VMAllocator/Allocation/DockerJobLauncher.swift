import DockerClient
import Foundation
import TLSCerts

/// What runs inside the allocation (salloc's command, or the batch script): it creates the job's certificates,
/// starts the VM step on the job's first node, waits for dockerd, hands over to the shell or script, and on every
/// way out ends the step and removes the job's state.
public struct DockerJobLauncher: Sendable {
    public let identity: JobIdentity
    public let directory: JobDirectory
    public let vmStep: VMStepCommand
    let steps: any JobStepRunner
    /// The job's endpoint once dockerd answers on it (a real mutual-TLS ping; a fake in unit tests).
    let readiness: @Sendable (JobDirectory) async throws -> EndpointRecord?
    /// Where the job's docker context (`pcocc-JOBID`) is written once the VM is ready, and removed at the end.
    let contexts: DockerContextStore?

    /// How long a stopping VM step may take to destroy its VM and clean up.
    static let stopTimeout = Duration.seconds(30)
    static let pollInterval = Duration.milliseconds(250)

    public init(
        identity: JobIdentity, directory: JobDirectory, vmStep: VMStepCommand, scheduler: any Scheduler,
        contexts: DockerContextStore? = DockerContextStore()
    ) {
        self.init(
            identity: identity, directory: directory, vmStep: vmStep, steps: SrunStepRunner(scheduler: scheduler),
            readiness: { directory in try await directory.answeringEndpoint() }, contexts: contexts)
    }

    init(
        identity: JobIdentity, directory: JobDirectory, vmStep: VMStepCommand, steps: any JobStepRunner,
        readiness: @escaping @Sendable (JobDirectory) async throws -> EndpointRecord?,
        contexts: DockerContextStore? = nil
    ) {
        self.identity = identity
        self.directory = directory
        self.vmStep = vmStep
        self.steps = steps
        self.readiness = readiness
        self.contexts = contexts
    }

    /// Runs the job's VM while `whenReady` runs. `whenReady` returns the exit status to report, or nil to keep the VM
    /// until the step ends by itself (batch without a host script: scancel or the time limit end the job).
    /// `progress` hears what the VM step is doing while it is waited for.
    public func run(
        progress: @escaping @Sendable (VMStage?) -> Void = { _ in },
        whenReady: @escaping @Sendable (EndpointRecord, JobDirectory) async throws -> Int32?
    ) async throws -> Int32 {
        let directory = self.directory
        try directory.create()
        let (contexts, contextName) = (self.contexts, DockerContextStore.name(ofJob: identity.jobID))
        defer {
            contexts?.remove(name: contextName)
            directory.remove()
        }
        try JobCertificates.create(
            jobDirectory: directory.path, jobID: identity.jobID, userName: identity.userName,
            serverNames: identity.serverNames, serverAddresses: identity.serverAddresses, validUntil: identity.jobEnd)
        let (steps, readiness, jobID, timeout) = (
            self.steps, self.readiness, identity.jobID, vmStep.readyTimeoutSeconds
        )
        do {
            return try await steps.withStep(vmStep.arguments, jobID: jobID, node: identity.node, log: directory.stepLog)
            {
                step in
                do {
                    let endpoint = try await Self.waitForVM(
                        step: step, directory: directory, timeoutSeconds: timeout, readiness: readiness,
                        progress: progress)
                    Self.publishContext(contexts, name: contextName, endpoint: endpoint, directory: directory)
                    guard let status = try await whenReady(endpoint, directory) else {
                        // Batch without a host script: the VM lives until Slurm ends the job, which cancels us
                        // first. A step that ends on its own is a failed VM.
                        while step.isRunning { try await Task.sleep(for: .seconds(1)) }
                        try Task.checkCancellation()
                        throw Self.stepFailure(directory)
                    }
                    await steps.stop(step, jobID: jobID, timeout: Self.stopTimeout)
                    return status
                } catch {
                    await steps.stop(step, jobID: jobID, timeout: Self.stopTimeout)
                    throw error
                }
            }
        } catch let error as JobError {
            // The job directory goes with the job: keep its logs where the error message says.
            throw error.withLogs(directory.keepLogs())
        }
    }

    /// The job as a docker context; a failure only costs the context (the shell and `env` work without it).
    /// `ifMissing`: for `shell`, which may see the VM ready before the launcher's own poll does.
    public static func publishContext(
        _ contexts: DockerContextStore?, name: String, endpoint: EndpointRecord, directory: JobDirectory,
        ifMissing: Bool = false
    ) {
        guard let contexts, !(ifMissing && contexts.names().contains(name)) else { return }
        do {
            try contexts.write(
                name: name, description: "pcocc-docker job \(directory.jobID) on \(endpoint.node)",
                daemon: directory.daemon(at: endpoint))
        } catch {
            FileHandle.standardError.write(Data("pcocc-docker: warning: no docker context \(name): \(error)\n".utf8))
        }
    }

    /// Polls for an answering endpoint; fails early when the VM step dies, and after `timeoutSeconds`.
    static func waitForVM(
        step: any RunningStep, directory: JobDirectory, timeoutSeconds: Int,
        readiness: @Sendable (JobDirectory) async throws -> EndpointRecord?,
        progress: @Sendable (VMStage?) -> Void = { _ in }
    ) async throws -> EndpointRecord {
        let deadline = ContinuousClock.now + .seconds(timeoutSeconds)
        while true {
            try Task.checkCancellation()
            progress(VMStage.read(from: directory))
            if let endpoint = try await readiness(directory) { return endpoint }
            if !step.isRunning { throw stepFailure(directory) }
            if ContinuousClock.now > deadline {
                throw JobError.vmNotReady(jobID: directory.jobID, seconds: timeoutSeconds, log: directory.consoleLog)
            }
            try await Task.sleep(for: pollInterval)
        }
    }

    /// The VM step's own account of its failure (docker/failure.json), else that it ended without one.
    static func stepFailure(_ directory: JobDirectory) -> JobError {
        let detail =
            VMFailureRecord.read(from: directory.failureFile)?.message
            ?? "the VM step ended without saying why (killed, or it could not start: see the step log)"
        return .vmFailed(jobID: directory.jobID, detail: detail, log: directory.stepLog)
    }
}
