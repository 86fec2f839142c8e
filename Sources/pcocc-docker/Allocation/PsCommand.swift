import ArgumentParser
import Foundation
import HostSystem
import SiteConfig
import VMAllocator

struct PsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ps", abstract: "List your docker jobs.")

    @Flag(help: "Print the jobs as JSON.")
    var json = false

    struct Row: Codable {
        var jobID: String
        var name: String
        var state: String
        var node: String
        var endpoint: String
        var timeLeft: String
        var ready: Bool
        /// Where the job's docker storage is: the persistent disk, or "scratch" (gone with the job).
        var storage: String
    }

    func run() async throws {
        let config = try SiteConfiguration.loadedForProcess()
        let scheduler = try SlurmScheduler()
        let selector = JobSelector(scheduler: scheduler, stateDirectory: config.stateDirectory)
        let known = try await scheduler.jobs(ofUser: getuid())
        // What ended jobs left goes first, so the list only shows what is worth knowing.
        EndedJobsJanitor(stateDirectory: config.stateDirectory).sweep(knownJobs: known)
        let jobs = selector.listedJobs(among: known)
        let storage = StorageHolder(configuration: config)
        var rows: [Row] = []
        for job in jobs {
            let directory = JobDirectory(stateDirectory: config.stateDirectory, jobID: job.id)
            let endpoint = try? EndpointRecord.read(from: directory.endpointFile)
            var ready = false
            if let endpoint { ready = await directory.answers(endpoint) }
            rows.append(
                Row(
                    jobID: job.id, name: job.name,
                    state: job.state == .pending ? "pending (\(job.stateReason ?? "queued"))" : job.state.rawValue,
                    node: job.nodes.isEmpty ? "-" : job.nodes,
                    endpoint: endpoint.map { HostNetwork.hostPort($0.host, $0.port) } ?? "-",
                    timeLeft: job.timeLeft().map(Self.duration) ?? "unlimited", ready: ready,
                    storage: storage.location(ofJob: job.id)))
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(rows), as: UTF8.self))
            return
        }
        let table =
            [["JOBID", "NAME", "STATE", "NODE", "ENDPOINT", "TIME LEFT", "DOCKER", "STORAGE"]]
            + rows.map {
                [$0.jobID, $0.name, $0.state, $0.node, $0.endpoint, $0.timeLeft, $0.ready ? "ready" : "-", $0.storage]
            }
        let widths = (0..<table[0].count).map { column in table.map { $0[column].count }.max() ?? 0 }
        for line in table {
            print(
                zip(line, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ")
                    .trimmingCharacters(in: .whitespaces))
        }
    }

    /// Slurm's own format: [D-]HH:MM:SS.
    static func duration(_ seconds: TimeInterval) -> String {
        let total = max(0, Int(seconds))
        let days = total / 86400
        let clock = String(format: "%02d:%02d:%02d", total % 86400 / 3600, total % 3600 / 60, total % 60)
        return days > 0 ? "\(days)-\(clock)" : clock
    }
}

/// Which job holds the user's persistent docker storage, from the lock file the VM step writes its name in.
struct StorageHolder {
    let disk: String?
    let holder: String?

    init(configuration: SiteConfiguration) {
        guard configuration.storage.persistent else {
            disk = nil
            holder = nil
            return
        }
        disk = "\(configuration.storage.path)/docker-data.img"
        holder = (try? String(contentsOfFile: "\(configuration.storage.path)/lock", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The persistent disk for the job that holds it, "scratch" for the others.
    func location(ofJob jobID: String) -> String {
        guard let disk, let holder, holder.hasPrefix("job \(jobID) ") else { return "scratch" }
        return disk
    }
}
