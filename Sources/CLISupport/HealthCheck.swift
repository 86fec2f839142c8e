import Foundation

/// One line of `pcocc-docker doctor`: what was checked, how it went, what was found, and what to do about it.
/// The node program prints its own checks as JSON for the login side to merge.
public struct HealthCheck: Codable, Sendable, Equatable {
    public enum Status: String, Codable, Sendable {
        case ok, warning, failed
    }

    public var name: String
    public var status: Status
    public var detail: String
    /// What to do, when it did not go well.
    public var hint: String?

    public init(_ name: String, _ status: Status, _ detail: String, hint: String? = nil) {
        self.name = name
        self.status = status
        self.detail = detail
        self.hint = hint
    }

    /// The checks as a table for people: STATUS  CHECK  DETAIL, with the hint on the next line.
    public static func table(_ checks: [HealthCheck]) -> String {
        let width = checks.map(\.name.count).max() ?? 0
        return checks.map { check in
            let mark = check.status == .ok ? "ok  " : check.status == .warning ? "WARN" : "FAIL"
            var line = "\(mark)  \(check.name.padding(toLength: width, withPad: " ", startingAt: 0))  \(check.detail)"
            if let hint = check.hint, check.status != .ok {
                line += "\n      \(String(repeating: " ", count: width))  -> \(hint)"
            }
            return line
        }.joined(separator: "\n") + "\n"
    }
}
