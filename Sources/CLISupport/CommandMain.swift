import ArgumentParser
import Foundation

/// The one way every pcocc-docker program reports errors: `pcocc-docker: error: <one line>` on standard error and a
/// non-zero exit, for ArgumentParser's own usage errors as for run-time failures (ArgumentParser alone would print
/// "Error: ..." with the whole usage text). Help and version requests print as usual, on standard output.
public enum CommandMain {
    public static let programName = "pcocc-docker"

    public static func run<Root: ParsableCommand>(_ root: Root.Type, arguments: [String]? = nil) async -> Never {
        do {
            var command = try root.parseAsRoot(arguments)
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            exit(0)
        } catch {
            fail(with: error, root: root)
        }
    }

    /// Runs a command whose arguments were read without ArgumentParser (a fast path), reporting as `run` does.
    public static func run<Root: ParsableCommand>(
        _ root: Root.Type, parsed body: @Sendable () async throws -> Void
    ) async -> Never {
        do {
            try await body()
            exit(0)
        } catch {
            fail(with: error, root: root)
        }
    }

    private static func fail<Root: ParsableCommand>(with error: Error, root: Root.Type) -> Never {
        let code = root.exitCode(for: error)
        if code == .success { root.exit(withError: error) }  // --help, --version: ArgumentParser prints them
        if let message = line(for: error, root: root, code: code) { report(message) }
        exit(exitStatus(for: error, code: code))
    }

    /// ArgumentParser's status, except for failures that carry their own (an interrupted command's 130 or 143).
    static func exitStatus(for error: Error, code: ExitCode) -> Int32 {
        (error as? CommandFailure)?.exitStatus ?? code.rawValue
    }

    /// The error's line, or nil for a bare exit status (a shell's or script's, passed on as it is).
    static func line<Root: ParsableCommand>(for error: Error, root: Root.Type, code: ExitCode) -> String? {
        if error is ExitCode { return nil }
        if code == .validationFailure {
            // Usage errors: ArgumentParser's message, without the usage text, and where to look.
            let message = root.message(for: error).split(separator: "\n").first.map(String.init) ?? "invalid arguments"
            return
                "\(message.hasPrefix("Error: ") ? String(message.dropFirst(7)) : message) (see '\(programName) --help')"
        }
        return oneLine(String(describing: error))
    }

    /// `pcocc-docker: error: MESSAGE` on standard error.
    public static func report(_ message: String, details: [String] = []) {
        let lines = ["\(programName): error: \(oneLine(message))"] + details.map { "  | \($0)" }
        FileHandle.standardError.write(Data((lines.joined(separator: "\n") + "\n").utf8))
    }

    static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline).joined(separator: " ")
    }
}
