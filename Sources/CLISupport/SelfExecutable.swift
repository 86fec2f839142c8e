import Foundation

/// Paths of pcocc-docker's own programs, which Slurm steps and batch scripts run again on the nodes.
public enum SelfExecutable {
    /// The absolute path of the running program.
    public static var path: String {
        if let resolved = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            return resolved
        }
        return URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.path
    }

    /// The node-side program (launcher, VM step): installed in `<prefix>/libexec/pcocc-docker/`, or beside this one
    /// (a build directory).
    public static var nodeProgram: String {
        let directory = (path as NSString).deletingLastPathComponent
        let candidates = [
            "\(directory)/../libexec/pcocc-docker/pcocc-docker-node", "\(directory)/pcocc-docker-node",
        ]
        let found = candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates[0]
        return URL(fileURLWithPath: found).standardizedFileURL.path
    }
}

/// Progress for people goes to standard error, so that standard output stays for results.
public func progress(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}
