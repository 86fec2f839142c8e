import Foundation

/// The environment the process started with, read once. Each `ProcessInfo.processInfo.environment` builds a new
/// dictionary from `environ` (about 0.2 ms; `env` read it six times). Only for the login side, which never changes
/// its own environment (the VM step sets XDG_* variables for libvirt, and reads ProcessInfo).
public enum ProcessEnvironment {
    public static let atStart: [String: String] = ProcessInfo.processInfo.environment
}
