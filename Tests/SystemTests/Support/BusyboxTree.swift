import Foundation

/// The host's static busybox as a root file system's `bin`, for the test images.
enum BusyboxTree {
    /// `root`/bin/busybox and a symbolic link to it for each applet.
    static func write(root: String, applets: [String]) throws {
        let bin = "\(root)/bin"
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: "/bin/busybox", toPath: "\(bin)/busybox")
        for applet in applets {
            try FileManager.default.createSymbolicLink(atPath: "\(bin)/\(applet)", withDestinationPath: "busybox")
        }
    }
}
