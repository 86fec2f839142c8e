import Foundation
import HostSystem

/// One-line notices the VM step leaves for the user (docker/notices), shown by whoever hands over the VM (the
/// launcher, `shell`): what the VM does differently from what was asked, and why.
public enum VMNotices {
    public static func add(_ line: String, to directory: JobDirectory) {
        let lines = read(from: directory) + [line.split(whereSeparator: \.isNewline).joined(separator: " ")]
        try? AtomicFile.write(lines.joined(separator: "\n") + "\n", to: directory.noticesFile, mode: 0o600)
    }

    public static func read(from directory: JobDirectory) -> [String] {
        guard let text = try? String(contentsOfFile: directory.noticesFile, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").map(String.init).filter { !$0.isEmpty }
    }
}
