import Foundation

/// The absolute path of this program, which Slurm steps and batch scripts run again on the nodes.
enum SelfExecutable {
    static var path: String {
        if let resolved = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return resolved }
        return URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.path
    }
}

/// Progress for people goes to standard error, so that standard output stays for results.
func progress(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}
