import Foundation

/// The guest's serial console file, read back for error messages and boot timings.
public struct ConsoleLog: Sendable {
    public let path: String

    public init(path: String) {
        self.path = path
    }

    /// The last `count` lines, without terminal control characters (the kernel and init
    /// write CR LF and sometimes escape sequences). Reads at most the last 64 KiB.
    public func tail(_ count: Int = 20) -> [String] {
        guard let handle = FileHandle(forReadingAtPath: path) else { return [] }
        defer { try? handle.close() }
        let size = (try? handle.seekToEnd()) ?? 0
        try? handle.seek(toOffset: size > 65536 ? size - 65536 : 0)
        let data = (try? handle.readToEnd()) ?? Data()
        let text = String(decoding: data, as: UTF8.self)
        let lines = text.split(whereSeparator: \.isNewline).map { Self.printable(String($0)) }
        return Array(lines.filter { !$0.isEmpty }.suffix(count))
    }

    /// Drops ANSI escape sequences (dockerd colours its log) and other control characters.
    static func printable(_ line: String) -> String {
        var result = String.UnicodeScalarView()
        var escape = false
        var csi = false
        for scalar in line.unicodeScalars {
            if escape {
                // ESC [ ... final byte (0x40-0x7E); a lone ESC X is two bytes.
                if csi {
                    if (0x40...0x7E).contains(scalar.value) { escape = false }
                } else if scalar == "[" {
                    csi = true
                } else {
                    escape = false
                }
                continue
            }
            if scalar.value == 0x1B {
                escape = true
                csi = false
            } else if scalar == "\t" || (scalar.value >= 0x20 && scalar.value != 0x7F) {
                result.append(scalar)
            }
        }
        return String(result)
    }
}
