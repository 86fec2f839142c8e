import Foundation

/// The content of `docker/endpoint.json`: where the job's dockerd answers.
public struct EndpointRecord: Codable, Sendable, Equatable {
    public var host: String
    public var port: Int
    public var node: String
    public var started: Double
    public var pid: Int32?

    public init(host: String, port: Int, node: String, started: Double, pid: Int32?) {
        self.host = host
        self.port = port
        self.node = node
        self.started = started
        self.pid = pid
    }

    /// Reads the record; nil while the file does not exist yet.
    public static func read(from path: String) throws(JobError) -> EndpointRecord? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        do {
            return try JSONDecoder().decode(EndpointRecord.self, from: data)
        } catch {
            throw JobError.invalidEndpoint(path: path)
        }
    }
}
