import ChildProcess
import Foundation
import TLSCerts

/// What runs inside the allocation (salloc's command, or the batch script): it creates the job's
/// certificates, starts the VM step with srun on the first node, waits for dockerd, hands over to
/// the shell or script, and on every way out ends the step and removes the job's state.
public struct DockerJobLauncher: Sendable {
    public struct Settings: Sendable {
        public var jobID: String
        public var nodeList: String
        public var stateDirectory: String
        public var mode: LaunchMode
        /// `pcocc-docker internal vm ...` as the node must run it.
        public var vmCommand: [String]
        public var readyTimeoutSeconds: Int
        public var userName: String
        /// The job's end (its time limit), bounding the certificates; nil when unlimited.
        public var jobEnd: Date?
        public var serverNames: [String]
        public var serverAddresses: [String]

        public init(jobID: String, nodeList: String, stateDirectory: String, mode: LaunchMode, vmCommand: [String],
                    readyTimeoutSeconds: Int, userName: String, jobEnd: Date?, serverNames: [String], serverAddresses: [String]) {
            self.jobID = jobID
            self.nodeList = nodeList
            self.stateDirectory = stateDirectory
            self.mode = mode
            self.vmCommand = vmCommand
            self.readyTimeoutSeconds = readyTimeoutSeconds
            self.userName = userName
            self.jobEnd = jobEnd
            self.serverNames = serverNames
            self.serverAddresses = serverAddresses
        }
    }

    public let settings: Settings
    public let scheduler: any Scheduler

    public init(settings: Settings, scheduler: any Scheduler) {
        self.settings = settings
        self.scheduler = scheduler
    }

    public var node: String { HostList.first(of: settings.nodeList) }

    /// Runs the job's VM while `whenReady` runs. `whenReady` returns the exit status to report, or nil to
    /// keep the VM until the step ends by itself (batch without a host script: scancel or the time limit).
    public func run(
        whenReady: @escaping @Sendable (EndpointRecord, JobDirectory) async throws -> Int32?
    ) async throws -> Int32 {
        let directory = JobDirectory(stateDirectory: settings.stateDirectory, jobID: settings.jobID)
        try directory.create()
        defer { directory.remove() }
        try JobCertificates.create(
            jobDirectory: directory.path, jobID: settings.jobID, userName: settings.userName,
            serverNames: [node] + settings.serverNames, serverAddresses: settings.serverAddresses,
            validUntil: settings.jobEnd)
        try writeJobRecord(in: directory)

        let srun = SlurmCommandLine.srunVM(jobID: settings.jobID, node: node, vmCommand: settings.vmCommand)
        let timeout = settings.readyTimeoutSeconds
        let jobID = settings.jobID
        let scheduler = self.scheduler
        do {
            let outcome = try await ChildProcess.withBackground("srun", srun, logFile: directory.stepLog) { step in
                do {
                    let endpoint = try await Self.waitForVM(step: step, directory: directory, jobID: jobID, timeoutSeconds: timeout)
                    var status: Int32 = 0
                    if let finished = try await whenReady(endpoint, directory) {
                        status = finished
                    } else {
                        // Batch without a host script: the VM lives until Slurm ends the job, which
                        // cancels us first. A step that ends on its own is a failed VM.
                        while step.isRunning { try await Task.sleep(for: .seconds(1)) }
                        try Task.checkCancellation()
                        throw JobStateError.vmFailed(
                            jobID: jobID, detail: Self.failureLine(of: directory.stepLog) ?? "the VM step ended", log: directory.stepLog)
                    }
                    await Self.stopVMStep(step, jobID: jobID, scheduler: scheduler)
                    return status
                } catch {
                    await Self.stopVMStep(step, jobID: jobID, scheduler: scheduler)
                    throw error
                }
            }
            return outcome.result
        } catch let error as JobStateError {
            // The job directory goes with the job: keep its logs where the error message says.
            throw error.withLogs(directory.keepLogs())
        }
    }

    /// The VM step is the job's first step (id 0): the launcher starts it before anything else.
    static let vmStepID: UInt32 = 0

    /// Asks the VM step's task to stop (SIGTERM through slurmstepd) and waits for srun to end, so the
    /// VM destroys its domain and scratch files. Stopping srun itself would have Slurm SIGKILL the task.
    /// Runs detached so that it completes even when the launcher's task is being cancelled.
    static func stopVMStep(_ step: BackgroundProcess, jobID: String, scheduler: any Scheduler) async {
        guard step.isRunning else { return }
        await Task.detached {
            try? await scheduler.signalStep(jobID, step: vmStepID, signal: SIGTERM)
            let deadline = ContinuousClock.now + .seconds(30)
            while step.isRunning && ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(100)) }
        }.value
    }

    /// Polls for endpoint.json and then checks dockerd ourselves; fails early when the VM step dies.
    static func waitForVM(step: BackgroundProcess, directory: JobDirectory, jobID: String, timeoutSeconds: Int) async throws -> EndpointRecord {
        let deadline = ContinuousClock.now + .seconds(timeoutSeconds)
        while true {
            try Task.checkCancellation()
            if let endpoint = try await directory.answeringEndpoint() { return endpoint }
            if !step.isRunning {
                throw JobStateError.vmFailed(jobID: jobID, detail: failureLine(of: directory.stepLog) ?? "the VM step ended", log: directory.stepLog)
            }
            if ContinuousClock.now > deadline {
                throw JobStateError.vmNotReady(jobID: jobID, seconds: timeoutSeconds, log: directory.consoleLog)
            }
            try await Task.sleep(for: .milliseconds(250))
        }
    }

    /// The VM step's own error line, else the last line srun wrote.
    static func failureLine(of path: String) -> String? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        let lines = text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        for prefix in ["pcocc-docker: error: ", "Error: "] {
            if let own = lines.last(where: { $0.hasPrefix(prefix) }) { return String(own.dropFirst(prefix.count)) }
        }
        return lines.last
    }

    private func writeJobRecord(in directory: JobDirectory) throws {
        let record = JobRecord(jobID: settings.jobID, mode: settings.mode, node: node, created: Date().timeIntervalSince1970)
        let data = try JSONEncoder().encode(record)
        try data.write(to: URL(fileURLWithPath: directory.jobRecordFile), options: .atomic)
    }
}
