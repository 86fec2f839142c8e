import Foundation
import Subprocess
import SystemPackage

/// Runs helper programs (skopeo, docker, salloc, srun, runuser...) without a shell.
///
/// Every child is ended on every path: when the awaiting task is cancelled or throws,
/// the child gets SIGTERM, then SIGKILL two seconds later.
public enum ChildProcess {
    /// How the child's standard error is handled.
    public enum ErrorMode: Sendable {
        /// Captured; its tail goes into `ProcessResult.errorTail`.
        case capture
        /// Copied to our standard error as it comes (progress), its tail also kept.
        case passthrough
    }

    /// How long a tail of standard error is kept for error messages.
    public static let errorTailBytes = 4096

    static let teardown: [TeardownStep] = [.gracefulShutDown(allowedDurationToNextStep: .seconds(2))]

    /// Runs `executable` (a path, or a name searched in PATH) to completion, collecting standard output.
    public static func run(
        _ executable: String,
        _ arguments: [String],
        environment: [String: String]? = nil,
        input: Data? = nil,
        workingDirectory: String? = nil,
        errors: ErrorMode = .capture
    ) async throws(ChildProcessError) -> ProcessResult {
        let command = ChildCommand(executable: executable, arguments: arguments)
        do {
            let result = try await Subprocess.run(
                configuration(executable, arguments, environment: environment, workingDirectory: workingDirectory),
                input: .data(input ?? Data()),
                output: .sequence,
                error: .sequence
            ) { execution in
                async let errorTail = collectTail(execution.standardError, passthrough: errors == .passthrough)
                var output = [UInt8]()
                for try await buffer in execution.standardOutput {
                    buffer.withUnsafeBytes { output.append(contentsOf: $0) }
                }
                return (output, try await errorTail)
            }
            let (output, tail) = result.closureResult
            return ProcessResult(
                command: command, status: exitCode(result.terminationStatus),
                output: Data(output), errorTail: tail)
        } catch {
            throw ChildProcessError.launchFailed(command: command, reason: "\(error)")
        }
    }

    /// Runs `executable` and throws `ChildProcessError.failed` unless it exits 0.
    @discardableResult
    public static func checked(
        _ executable: String,
        _ arguments: [String],
        environment: [String: String]? = nil,
        input: Data? = nil,
        workingDirectory: String? = nil,
        errors: ErrorMode = .capture
    ) async throws(ChildProcessError) -> ProcessResult {
        let result = try await run(
            executable, arguments, environment: environment, input: input,
            workingDirectory: workingDirectory, errors: errors)
        guard result.status == 0 else {
            throw ChildProcessError.failed(command: result.command, status: result.status, errorTail: result.errorTail)
        }
        return result
    }

    /// Runs `executable` on our own terminal (standard input, output and error inherited),
    /// for interactive shells and `docker run -ti`. Returns the exit status (128+N for signal N).
    /// `outputToStandardError` sends the child's standard output to our standard error instead, for
    /// progress such as `docker build`'s while our standard output stays for results.
    public static func interactive(
        _ executable: String,
        _ arguments: [String],
        environment: [String: String]? = nil,
        workingDirectory: String? = nil,
        outputToStandardError: Bool = false
    ) async throws(ChildProcessError) -> Int32 {
        let command = ChildCommand(executable: executable, arguments: arguments)
        do {
            let result = try await Subprocess.run(
                configuration(executable, arguments, environment: environment, workingDirectory: workingDirectory),
                input: .currentStandardInput,
                output: outputToStandardError
                    ? .fileDescriptor(.standardError, closeAfterSpawningProcess: false)
                    : .fileDescriptor(.standardOutput, closeAfterSpawningProcess: false),
                error: .currentStandardError
            )
            return exitCode(result.terminationStatus)
        } catch {
            throw ChildProcessError.launchFailed(command: command, reason: "\(error)")
        }
    }

    /// The absolute path of `name` found in PATH, or nil.
    public static func which(_ name: String, path: String? = nil) -> String? {
        if name.contains("/") { return FileManager.default.isExecutableFile(atPath: name) ? name : nil }
        let search = path ?? ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in search.split(separator: ":") {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// How every child here is started: no shell, and ended (SIGTERM, then SIGKILL) if its caller goes.
    static func configuration(
        _ executable: String, _ arguments: [String], environment: [String: String]?, workingDirectory: String?
    ) -> Configuration {
        var options = PlatformOptions()
        options.teardownSequence = teardown
        return Configuration(
            executable: executableFor(executable), arguments: Arguments(arguments),
            environment: environmentFor(environment), workingDirectory: workingDirectory.map { FilePath($0) },
            platformOptions: options)
    }

    static func executableFor(_ executable: String) -> Executable {
        executable.contains("/") ? .path(FilePath(executable)) : .name(executable)
    }

    /// nil inherits our environment; a dictionary is the child's whole environment.
    static func environmentFor(_ environment: [String: String]?) -> Environment {
        guard let environment else { return .inherit }
        var custom: [Environment.Key: String] = [:]
        for (key, value) in environment { custom[Environment.Key(stringLiteral: key)] = value }
        return .custom(custom)
    }

    static func exitCode(_ status: TerminationStatus) -> Int32 {
        switch status {
        case .exited(let code): return code
        case .signaled(let signal): return 128 + signal
        }
    }

    static func collectTail(_ stream: SubprocessOutputSequence, passthrough: Bool) async throws -> String {
        var tail = [UInt8]()
        for try await buffer in stream {
            buffer.withUnsafeBytes { bytes in
                if passthrough { FileHandle.standardError.write(Data(bytes)) }
                tail.append(contentsOf: bytes)
            }
            if tail.count > errorTailBytes * 2 { tail.removeFirst(tail.count - errorTailBytes) }
        }
        if tail.count > errorTailBytes { tail.removeFirst(tail.count - errorTailBytes) }
        return String(decoding: tail, as: UTF8.self)
    }
}
