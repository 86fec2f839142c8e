import Foundation
import HostSystem

/// What the VM step writes to docker/failure.json when it cannot start or keep the VM: the launcher reads it instead
/// of parsing the step's output. `message` is one line naming the object; `details` the lines that help after it
/// (the tail of the guest console); `log` where to look.
public struct VMFailureRecord: Codable, Sendable, Equatable {
    public var code: String
    public var message: String
    public var details: [String]
    public var log: String?

    public init(code: String, message: String, details: [String] = [], log: String? = nil) {
        self.code = code
        self.message = message
        self.details = details
        self.log = log
    }

    public func write(to path: String) throws(SystemError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        guard let data = try? encoder.encode(self) else { throw SystemError(message: "cannot encode \(path)") }
        try AtomicFile.write(data, to: path, mode: 0o600)
    }

    /// The record, or nil when the step wrote none (it was killed, or failed before it could).
    public static func read(from path: String) -> VMFailureRecord? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return try? JSONDecoder().decode(VMFailureRecord.self, from: data)
    }
}
