import ChildProcess
import Foundation

/// Services on the node's loopback for the network tests: the guest reaches them as 10.0.2.2, and nothing leaves
/// this machine. Each runs until `stop()` (or the test process ends).
final class LocalService {
    let port: Int
    private let process: Process

    private init(port: Int, process: Process) {
        self.port = port
        self.process = process
    }

    /// Debian's docker-registry (distribution 2.8) with its storage in `directory`.
    static func registry(in directory: String) throws -> LocalService {
        let port = try freePort()
        try FileManager.default.createDirectory(atPath: "\(directory)/storage", withIntermediateDirectories: true)
        try """
        version: 0.1
        log:
          level: warn
        storage:
          filesystem:
            rootdirectory: \(directory)/storage
        http:
          addr: 127.0.0.1:\(port)
        """.write(toFile: "\(directory)/registry.yml", atomically: true, encoding: .utf8)
        return try start(
            "/usr/bin/docker-registry", ["serve", "\(directory)/registry.yml"], port: port,
            log: "\(directory)/registry.log")
    }

    /// A static web server for `directory` (Python's http.server).
    static func web(serving directory: String) throws -> LocalService {
        let port = try freePort()
        return try start(
            "/usr/bin/python3", ["-m", "http.server", "--bind", "127.0.0.1", "--directory", directory, String(port)],
            port: port, log: "\(directory)/../web-\(port).log")
    }

    /// SIGKILL, not Process.terminate(): a child started from one of XCTest's worker threads inherits that thread's
    /// signal mask, SIGTERM blocked included, and python's http.server then never ends (a hung run, seen in CI).
    func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    deinit { stop() }

    private static func start(
        _ executable: String, _ arguments: [String], port: Int, log: String
    ) throws -> LocalService {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let service = LocalService(port: port, process: process)
        for _ in 0..<100 {
            if PortCheck.accepts(port) { return service }
            usleep(100_000)
        }
        service.stop()
        throw VMTestFailure("\(executable) did not listen on 127.0.0.1:\(port): see \(log)")
    }

    private static func freePort() throws -> Int {
        let pipe = Pipe()
        let finder = Process()
        finder.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        finder.arguments = [
            "-c", "import socket; s=socket.socket(); s.bind(('127.0.0.1',0)); print(s.getsockname()[1])",
        ]
        finder.standardOutput = pipe
        try finder.run()
        finder.waitUntilExit()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        guard let port = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw VMTestFailure("no free port on 127.0.0.1")
        }
        return port
    }
}

enum PortCheck {
    static func accepts(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }
}

extension SystemTestEnvironment {
    /// A busybox image (`toolbox`) with the applets the network tests use (wget, httpd, nc, sleep...), as an OCI
    /// layout owned by the test user.
    func makeToolboxLayout() async throws -> String {
        let directory = "/tmp/pcocc-systemtest-toolbox-\(UUID().uuidString.prefix(8))"
        try await ChildProcess.checked("umoci", ["init", "--layout", directory])
        try await ChildProcess.checked("umoci", ["new", "--image", "\(directory):latest"])
        let bundle = directory + ".bundle"
        try await ChildProcess.checked("umoci", ["unpack", "--image", "\(directory):latest", bundle])
        try BusyboxTree.write(
            root: "\(bundle)/rootfs",
            applets: [
                "sh", "echo", "cat", "ls", "touch", "true", "wget", "httpd", "nc", "sleep", "mkdir", "head", "dd",
            ])
        try FileManager.default.createDirectory(atPath: "\(bundle)/rootfs/www", withIntermediateDirectories: true)
        try "published\n".write(toFile: "\(bundle)/rootfs/www/index.html", atomically: true, encoding: .utf8)
        try await ChildProcess.checked("umoci", ["repack", "--image", "\(directory):latest", bundle])
        try await ChildProcess.checked(
            "umoci", ["config", "--image", "\(directory):latest", "--config.cmd", "/bin/sh"])
        try? FileManager.default.removeItem(atPath: bundle)
        try await ChildProcess.checked("chown", ["-R", user, directory])
        return directory
    }

    /// `docker ARGS` as the test user against job `jobID`'s daemon (through `pcocc-docker env`).
    @discardableResult
    func docker(
        _ jobID: String, _ arguments: [String], environment: [String: String] = [:]
    ) async throws -> ProcessResult {
        try await runAsUser(
            ["/bin/sh", "-c", "eval \"$(\"$0\" env -j \"$1\")\" && shift && exec docker \"$@\"", binary, jobID]
                + arguments,
            environment: environment)
    }

    /// Pushes the OCI layout's image to the registry on the node's loopback (plain HTTP), as `name`.
    func push(layout: String, to registry: LocalService, as name: String) async throws {
        try await ChildProcess.checked(
            "skopeo",
            [
                "copy", "--quiet", "--dest-tls-verify=false", "oci:\(layout):latest",
                "docker://127.0.0.1:\(registry.port)/\(name)",
            ])
    }

    /// Submits `pcocc-docker batch` and waits until its dockerd answers; returns the job id.
    func startDockerJob(
        name: String, minutes: Int = 15, output: String = "/dev/null", environment: [String: String] = [:],
        extra: [String] = []
    ) async throws -> String {
        let submitted = try await pcoccDocker(
            ["batch", "--time=\(minutes)", "-J", name, "--output=\(output)"] + extra, environment: environment)
        guard submitted.status == 0 else { throw VMTestFailure("batch failed: \(submitted.errorTail)") }
        let jobID = String(
            submitted.outputString.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: " ").last ?? "")
        let ready = try await pcoccDocker(["shell", "-j", jobID, "-E", "true"], environment: environment)
        guard ready.status == 0 else {
            throw VMTestFailure("job \(jobID)'s docker VM never answered: \(ready.errorTail)")
        }
        return jobID
    }
}
