import Foundation

/// A Slurm job's state as squeue shows it (`%T`).
public enum JobState: String, Sendable, Equatable, CaseIterable {
    case pending, running, suspended
    /// Ended (any way) but its processes or epilog are still being cleaned up: resources still held.
    case completing
    case completed, cancelled, failed, timeout, nodeFail, preempted, bootFail, deadline, outOfMemory
    case unknown

    /// Ended by a failure rather than by its script, a cancel or its time limit.
    public var endedBadly: Bool {
        [.failed, .nodeFail, .bootFail, .outOfMemory, .preempted].contains(self)
    }

    /// Still holds or waits for resources: the VM may exist or may still come.
    public var isActive: Bool {
        switch self {
        case .pending, .running, .suspended, .completing: return true
        default: return false
        }
    }
}

/// What slurmctld knows about one job, copied out of libslurm's records.
public struct JobInfo: Sendable, Equatable {
    /// The job id as users type it ("1234").
    public var id: String
    public var name: String
    public var userID: uid_t
    public var state: JobState
    /// Why the job waits or ended ("Resources", "Priority", "TimeLimit"...); nil when Slurm gives none.
    public var stateReason: String?
    /// Allocated nodes as a Slurm host list ("node[1-2]"); empty while pending.
    public var nodes: String
    /// nil when unlimited.
    public var timeLimit: TimeInterval?
    /// Actual start, or slurmctld's expected start while pending; nil when unknown.
    public var startTime: Date?
    /// Actual end, or the expected end (start + limit) while running; nil when unknown.
    public var endTime: Date?
    public var submitTime: Date?
    /// When the job was last suspended or resumed; nil if never.
    public var suspendTime: Date?
    /// Run time accumulated before the last suspension.
    public var preSuspendTime: TimeInterval
    public var comment: String?

    public init(
        id: String, name: String = "", userID: uid_t, state: JobState, stateReason: String? = nil, nodes: String = "",
        timeLimit: TimeInterval? = nil, startTime: Date? = nil, endTime: Date? = nil, submitTime: Date? = nil,
        suspendTime: Date? = nil, preSuspendTime: TimeInterval = 0, comment: String? = nil
    ) {
        self.id = id
        self.name = name
        self.userID = userID
        self.state = state
        self.stateReason = stateReason
        self.nodes = nodes
        self.timeLimit = timeLimit
        self.startTime = startTime
        self.endTime = endTime
        self.submitTime = submitTime
        self.suspendTime = suspendTime
        self.preSuspendTime = preSuspendTime
        self.comment = comment
    }

    public var isActive: Bool { state.isActive }

    /// The first allocated node (where a one-node job's VM runs); nil while pending.
    public var firstNode: String? { nodes.isEmpty ? nil : HostList.first(of: nodes) }

    /// Time the job has run, not counting suspensions, computed the way squeue's `%M` is.
    public func runTime(at now: Date = Date()) -> TimeInterval {
        switch state {
        case .pending:
            return 0
        case .suspended:
            return preSuspendTime
        default:
            guard let startTime else { return 0 }
            // A running job's endTime is its expected end, not a real one.
            let end = state == .running ? now : (endTime ?? now)
            if let suspendTime {
                return max(0, end.timeIntervalSince(suspendTime)) + preSuspendTime
            }
            return max(0, end.timeIntervalSince(startTime))
        }
    }

    /// Seconds before Slurm kills the job for its time limit (squeue's `%L`): nil when unlimited,
    /// the whole limit while pending, 0 once over.
    public func timeLeft(at now: Date = Date()) -> TimeInterval? {
        guard let timeLimit else { return nil }
        if !isActive { return 0 }
        return max(0, timeLimit - runTime(at: now))
    }
}
