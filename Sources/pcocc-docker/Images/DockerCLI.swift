import ChildProcess
import DockerClient
import Foundation
import SkopeoBridge

/// The user's docker CLI pointed at a job's daemon, for edit and build.
struct DockerCLI: Sendable {
    let daemon: DaemonEndpoint

    var environment: [String: String] {
        var environment = daemon.environment(ProcessInfo.processInfo.environment)
        // Without the buildx plugin, docker 23+ refuses to build unless the classic builder is asked for.
        if environment["DOCKER_BUILDKIT"] == nil && !Self.hasBuildx(environment) {
            environment["DOCKER_BUILDKIT"] = "0"
        }
        return environment
    }

    /// Runs docker on our terminal (docker run -ti, docker build's output); returns its status.
    func interactive(_ arguments: [String]) async throws -> Int32 {
        try await ChildProcess.interactive("docker", arguments, environment: environment)
    }

    /// Runs docker and fails with its error tail unless it exits 0.
    @discardableResult
    func checked(_ arguments: [String]) async throws -> ProcessResult {
        try await ChildProcess.checked("docker", arguments, environment: environment)
    }

    /// Best-effort removal of temporaries: used on failure paths, where the first error is what matters.
    func removeQuietly(containers: [String] = [], images: [String] = []) async {
        if !containers.isEmpty {
            _ = try? await ChildProcess.run("docker", ["rm", "-f"] + containers, environment: environment)
        }
        if !images.isEmpty {
            _ = try? await ChildProcess.run("docker", ["rmi", "-f"] + images, environment: environment)
        }
    }

    static func hasBuildx(_ environment: [String: String]) -> Bool {
        let home = environment["HOME"] ?? NSHomeDirectory()
        let places = [
            "\(home)/.docker/cli-plugins", "/usr/local/lib/docker/cli-plugins", "/usr/local/libexec/docker/cli-plugins",
            "/usr/lib/docker/cli-plugins", "/usr/libexec/docker/cli-plugins",
        ]
        return places.contains { FileManager.default.isExecutableFile(atPath: "\($0)/docker-buildx") }
    }

    /// A name for a temporary image or container that cannot clash with the user's.
    static func temporaryName(_ purpose: String) -> String {
        "pcocc-\(purpose)-\(UUID().uuidString.prefix(12).lowercased())"
    }
}
