import Foundation

/// A condition a system test waited for in vain.
struct TimedOut: Error, CustomStringConvertible {
    let what: String
    let seconds: Double
    var description: String { "timed out after \(Int(seconds)) s waiting for \(what)" }
}

/// Polls `condition` every half second until it holds; throws `TimedOut` naming `what` after `seconds`.
func waitFor(_ what: String, seconds: Double, _ condition: () async throws -> Bool) async throws {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(500))
    }
    throw TimedOut(what: what, seconds: seconds)
}
