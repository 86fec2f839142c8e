import ChildProcess
import DockerVM
import Foundation
import XCTest

/// `pcocc-docker-node vm` for real, without Slurm: as root, it boots a job's VM as the ordinary
/// test user (libvirt's session mode does not work for root), then uses the daemon with the docker
/// CLI and skopeo, checks that TLS refuses strangers, stops the VM and checks nothing is left.
/// Services: the user's private libvirtd and QEMU (TCG here), started by the command itself.
final class VMBootTests: XCTestCase {
    func testBootServeRefuseStrangersAndStop() async throws {
        let setup = try VMTestSetup.require(guestImage: true)
        let job = try await setup.makeJobWithCertificates()
        defer { job.remove() }
        let log = job.vmLog
        let (_, status) = try await setup.withVMStep(job) { process in
            let endpoint = try await job.waitForEndpoint(while: process, log: log, seconds: 300)
            do {
                try await Self.useDaemon(job: job, port: endpoint.port)
            } catch {
                // The job directory goes with the test: what the VM step and the guest said is only kept here.
                let step = (try? String(contentsOfFile: log, encoding: .utf8)) ?? "(none)"
                throw VMTestFailure(
                    "\(error)\nVM step \(process.isRunning ? "still running" : "gone"), its log:\n\(step)\n"
                        + "guest console (tail):\n\(job.consoleTail())")
            }
            try await Self.checkStrangersAreRefused(job: job, port: endpoint.port)
            XCTAssertEqual(endpoint.pid, job.vmPid(), "endpoint.json names the VM process")
            let running = try await setup.liveProcesses(matching: job.qemuPattern)
            XCTAssertEqual(running.count, 1, "the job's QEMU, found by its disks: \(running)")
            kill(endpoint.pid, SIGTERM)
            let deadline = Date().addingTimeInterval(30)
            while process.isRunning && Date() < deadline { try await Task.sleep(for: .milliseconds(200)) }
            XCTAssertFalse(process.isRunning, "the VM step did not exit within 30 s of SIGTERM")
        }
        XCTAssertEqual(
            status, 0, "a requested stop exits 0:\n" + ((try? String(contentsOfFile: log, encoding: .utf8)) ?? ""))
        let qemu = try await setup.liveProcesses(matching: job.qemuPattern)
        XCTAssertEqual(qemu, [], "QEMU survived the VM step")
        XCTAssertFalse(job.scratchLeft(), "scratch directory left behind")
        XCTAssertFalse(FileManager.default.fileExists(atPath: job.endpointFile), "endpoint.json left behind")
    }

    func testMissingGuestImageIsOneLineAndLeavesNothing() async throws {
        let setup = try VMTestSetup.require(guestImage: false)
        let job = try await setup.makeJob(imageDirectory: "/nonexistent/pcocc-guest")
        defer { job.remove() }
        let result = try await setup.asUser(
            [setup.binary] + job.vmArguments, environment: job.environment, check: false)
        XCTAssertNotEqual(result.status, 0)
        XCTAssertEqual(
            result.errorTail.trimmingCharacters(in: .newlines),
            "pcocc-docker: error: guest image not found at /nonexistent/pcocc-guest: "
                + "run scripts/build-guest-image.sh or set vm.image_dir in pcocc-docker.yaml")
        XCTAssertFalse(job.scratchLeft())
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(job.directory)/docker"))
        let qemu = try await setup.liveProcesses(matching: job.qemuPattern)
        XCTAssertEqual(qemu, [])
    }

    /// docker version, an image loaded with skopeo, and a container that prints "hi".
    private static func useDaemon(job: VMTestJob, port: Int) async throws {
        let docker = [
            "DOCKER_HOST": "tcp://127.0.0.1:\(port)", "DOCKER_TLS_VERIFY": "1",
            "DOCKER_CERT_PATH": job.clientCertificates,
            "HOME": job.scratchRoot, "PATH": "/usr/local/bin:/usr/bin:/bin",
        ]
        let version = try await ChildProcess.checked(
            "docker", ["version", "--format", "{{.Server.Version}}"], environment: docker)
        XCTAssertFalse(version.outputString.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty)
        // 2 vCPUs asked for: an emulated guest gets one, and the user is told why.
        let cpus = try await ChildProcess.checked("docker", ["info", "--format", "{{.NCPU}}"], environment: docker)
        let expected = DomainKindDetector.detectHost().vcpus(requested: 2)
        XCTAssertEqual(cpus.outputString.trimmingCharacters(in: .whitespacesAndNewlines), "\(expected)")
        let notices = (try? String(contentsOfFile: "\(job.directory)/docker/notices", encoding: .utf8)) ?? ""
        XCTAssertEqual(notices.contains("gets 1 vCPU, not 2"), expected == 1, notices)

        let layout = "\(job.scratchRoot)/bb"
        try await ChildProcess.checked("umoci", ["init", "--layout", layout])
        try await ChildProcess.checked("umoci", ["new", "--image", "\(layout):latest"])
        try await ChildProcess.checked(
            "umoci", ["insert", "--image", "\(layout):latest", "/bin/busybox", "/bin/busybox"])
        try await ChildProcess.checked("umoci", ["config", "--image", "\(layout):latest", "--config.cmd", "sh"])
        // skopeo's docker-daemon: transport speaks API 1.22, which dockerd refuses since 26.0: an archive and docker load.
        // A file rather than a pipe, so that each side has its own exit status: once, docker load said "unexpected
        // EOF" behind `sh -c 'skopeo ... | docker load'`, whose status is docker's alone, and skopeo's fate was lost.
        let archive = "\(job.scratchRoot)/bb.tar"
        try await ChildProcess.checked(
            "skopeo", ["copy", "--quiet", "oci:\(layout):latest", "docker-archive:\(archive):bb:latest"])
        try await ChildProcess.checked("docker", ["load", "--quiet", "--input", archive], environment: docker)
        let run = try await ChildProcess.checked(
            "docker", ["run", "--rm", "bb", "/bin/busybox", "echo", "hi"], environment: docker)
        XCTAssertEqual(run.outputString, "hi\n")
    }

    /// Mutual TLS: the job's client certificate gets OK; no certificate, or one from another CA, gets nothing.
    static func checkStrangersAreRefused(job: VMTestJob, port: Int) async throws {
        let url = "https://127.0.0.1:\(port)/_ping"
        let ca = "\(job.clientCertificates)/ca.pem"
        func ping(_ certificate: [String]) async throws -> ProcessResult {
            try await ChildProcess.run("curl", ["-sS", "--max-time", "10", "--cacert", ca] + certificate + [url])
        }
        let client = try await ping([
            "--cert", "\(job.clientCertificates)/cert.pem", "--key", "\(job.clientCertificates)/key.pem",
        ])
        XCTAssertEqual(client.outputString, "OK")
        let anonymous = try await ping([])
        XCTAssertNotEqual(anonymous.outputString, "OK", "dockerd answered a client without a certificate")
        XCTAssertNotEqual(anonymous.status, 0)
        let foreign = try await VMTestSetup.foreignClientCertificate(in: "\(job.scratchRoot)/foreign")
        let stranger = try await ping(["--cert", foreign.cert, "--key", foreign.key])
        XCTAssertNotEqual(stranger.outputString, "OK", "dockerd answered a client of another CA")
        XCTAssertNotEqual(stranger.status, 0)
    }
}

/// What the VM system tests need from scripts/test.sh: root (to act as the test user), the test user,
/// the node program (pcocc-docker-node) and, for booting, the guest image.
struct VMTestSetup {
    let user: String
    let uid: uid_t
    let home: String
    let binary: String
    let guestImage: String

    static func require(
        guestImage needed: Bool, file: StaticString = #filePath, line: UInt = #line
    ) throws -> VMTestSetup {
        let environment = ProcessInfo.processInfo.environment
        func missing(_ message: String) -> Error {
            guard environment["PCOCC_SYSTEM_TESTS"] == "required" else { return XCTSkip(message) }
            XCTFail(message, file: file, line: line)
            return XCTSkip("failed: " + message)
        }
        let image = environment["PCOCC_TEST_GUEST_IMAGE"] ?? ""
        if needed && image.isEmpty {
            throw missing("PCOCC_TEST_GUEST_IMAGE is not set: run scripts/test.sh (it builds the guest image)")
        }
        guard geteuid() == 0 else { throw missing("the VM system tests run as root: run scripts/test.sh") }
        let user = environment["PCOCC_TEST_USER"] ?? "pcoccci"
        guard let record = getpwnam(user), let home = record.pointee.pw_dir else {
            throw missing("test user '\(user)' does not exist: run scripts/test-user.sh (or scripts/test.sh)")
        }
        return VMTestSetup(
            user: user, uid: record.pointee.pw_uid, home: String(cString: home), binary: try binary(missing),
            guestImage: image)
    }

    /// $PCOCC_DOCKER_NODE_BIN, else the built pcocc-docker-node next to the test bundle, copied where the test
    /// user can run it (the checkout may not be traversable for other users).
    private static func binary(_ missing: (String) -> Error) throws -> String {
        if let installed = ProcessInfo.processInfo.environment["PCOCC_DOCKER_NODE_BIN"], !installed.isEmpty {
            return installed
        }
        let built = URL(fileURLWithPath: ProcessInfo.processInfo.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("pcocc-docker-node").path
        guard FileManager.default.isExecutableFile(atPath: built) else {
            throw missing("no pcocc-docker-node binary: set PCOCC_DOCKER_NODE_BIN or run scripts/test.sh")
        }
        let directory = "/tmp/pcocc-vmtest-bin"
        let copy = "\(directory)/pcocc-docker-node"
        try? FileManager.default.removeItem(atPath: copy)
        try FileManager.default.createDirectory(
            atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        try FileManager.default.copyItem(atPath: built, toPath: copy)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: copy)
        return copy
    }

    /// runuser's arguments for `command` as the test user with exactly `environment`.
    func userCommand(_ command: [String], environment: [String: String]) -> [String] {
        ["-u", user, "--", "env", "-i"] + environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
            + command
    }

    @discardableResult
    func asUser(
        _ command: [String], environment: [String: String]? = nil, check: Bool = true
    ) async throws -> ProcessResult {
        let base = ["HOME": home, "USER": user, "PATH": "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin"]
        let arguments = userCommand(command, environment: environment ?? base)
        if check { return try await ChildProcess.checked("runuser", arguments, workingDirectory: "/tmp") }
        return try await ChildProcess.run("runuser", arguments, workingDirectory: "/tmp")
    }

    /// The test user's live processes whose command line contains `pattern` (zombies count as gone).
    func liveProcesses(matching pattern: String) async throws -> [String] {
        let result = try await ChildProcess.run("pgrep", ["-u", String(uid), "-a", "-f", pattern])
        return result.outputString.split(separator: "\n").map(String.init).filter { line in
            guard let pid = line.split(separator: " ").first,
                let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { return false }
            return !stat[close...].hasPrefix(") Z")
        }
    }

    /// A job directory in the user's home and a site configuration pointing at `imageDirectory`, with node scratch
    /// (and the user's saved guests) under `scratchParent`.
    func makeJob(imageDirectory: String, scratchParent: String = "/tmp") async throws -> VMTestJob {
        let id = String(800_000 + Int(getpid() % 100_000) + Int.random(in: 0..<100_000))
        let scratchRoot = "/tmp/pcocc-vmtest-\(id)"
        try FileManager.default.createDirectory(
            atPath: scratchRoot, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        let siteConfig = "\(scratchRoot)/pcocc-docker.yaml"
        // The home directory is shared by default (no docker_mounts in any containers.yaml).
        let yaml = """
            vm:
              image_dir: "\(imageDirectory)"
              bind_address: "127.0.0.1"
              data_disk_gb: 4
              scratch_dir: "\(scratchParent)"
            timeouts:
              vm_ready: 240
            """
        try yaml.write(toFile: siteConfig, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: siteConfig)
        let job = VMTestJob(
            id: id, directory: "\(home)/.pcocc-vmtest/job_\(id)", scratchRoot: scratchRoot,
            scratchParent: scratchParent,
            uid: uid,
            environment: [
                "HOME": home, "USER": user, "PATH": "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin",
                "PCOCC_DOCKER_SITE_CONFIG": siteConfig, "PCOCC_USER_CONF_DIR": "\(scratchRoot)/no-user-config",
                "PCOCC_SYSTEM_CONF_DIR": "\(scratchRoot)/no-system-config",
            ])
        try await asUser(["mkdir", "-p", "-m", "0700", job.directory])
        return job
    }

    /// `makeJob` with the job's certificates made, as the launcher makes them.
    func makeJobWithCertificates(scratchParent: String = "/tmp") async throws -> VMTestJob {
        let job = try await makeJob(imageDirectory: guestImage, scratchParent: scratchParent)
        try await asUser([binary, "certs", "--job-dir", job.directory, "--job-id", job.id])
        return job
    }

    /// Runs the job's VM step as the test user (its output in `job.vmLog`) while `body` runs; then its exit status.
    func withVMStep<Result: Sendable>(
        _ job: VMTestJob, _ body: @escaping @Sendable (BackgroundProcess) async throws -> Result
    ) async throws -> (result: Result, status: Int32) {
        try await ChildProcess.withBackground(
            "runuser", userCommand([binary] + job.vmArguments, environment: job.environment), logFile: job.vmLog,
            body: body)
    }

    /// A CA unknown to the job and a client certificate it signed.
    static func foreignClientCertificate(in directory: String) async throws -> (cert: String, key: String) {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = { (name: String) in "\(directory)/\(name)" }
        try "extendedKeyUsage=clientAuth\n".write(toFile: path("ext"), atomically: true, encoding: .utf8)
        for arguments in [
            ["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", path("ca-key.pem")],
            [
                "req", "-x509", "-new", "-key", path("ca-key.pem"), "-subj", "/CN=foreign CA", "-days", "1", "-out",
                path("ca.pem"),
            ],
            ["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", path("key.pem")],
            ["req", "-new", "-key", path("key.pem"), "-subj", "/CN=stranger", "-out", path("csr.pem")],
            [
                "x509", "-req", "-in", path("csr.pem"), "-CA", path("ca.pem"), "-CAkey", path("ca-key.pem"),
                "-CAcreateserial",
                "-days", "1", "-extfile", path("ext"), "-out", path("cert.pem"),
            ],
        ] {
            try await ChildProcess.checked("openssl", arguments)
        }
        return (path("cert.pem"), path("key.pem"))
    }
}

/// One test job: its state directory, the VM's names and paths, and how to run the VM step for it.
struct VMTestJob {
    let id: String
    let directory: String
    let scratchRoot: String
    /// vm.scratch_dir
    let scratchParent: String
    let uid: uid_t
    let environment: [String: String]

    /// What only this job's QEMU has on its command line: its disks in the job's scratch directory (a restored
    /// guest's domain is named after the saved one, not the job).
    var qemuPattern: String { "\(scratchParent)/pcocc-\(uid)-\(id)-" }
    /// Whether a scratch directory of this job (`<scratch_dir>/pcocc-<uid>-<id>-XXXXXX`) is there.
    func scratchLeft() -> Bool {
        let prefix = "pcocc-\(uid)-\(id)-"
        return ((try? FileManager.default.contentsOfDirectory(atPath: scratchParent)) ?? []).contains {
            $0.hasPrefix(prefix)
        }
    }
    var endpointFile: String { "\(directory)/docker/endpoint.json" }
    /// The VM step's standard output and error in the system tests.
    var vmLog: String { "\(scratchRoot)/vm.log" }
    var clientCertificates: String { "\(directory)/vmcerts/client" }
    var vmArguments: [String] {
        ["vm", "--job-dir", directory, "--job-id", id, "--cpus", "2", "--memory-mb", "1024"]
    }

    struct Endpoint: Decodable {
        let host: String
        let port: Int
        let pid: Int32
    }

    /// endpoint.json once written; fails at once if the VM step exits first.
    func waitForEndpoint(while process: BackgroundProcess, log: String, seconds: Double) async throws -> Endpoint {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let data = FileManager.default.contents(atPath: endpointFile) {
                return try JSONDecoder().decode(Endpoint.self, from: data)
            }
            guard process.isRunning else {
                throw VMTestFailure(
                    "the VM step exited before ready:\n" + ((try? String(contentsOfFile: log, encoding: .utf8)) ?? ""))
            }
            try await Task.sleep(for: .milliseconds(300))
        }
        throw VMTestFailure("no \(endpointFile) after \(Int(seconds)) s")
    }

    /// The pid of this job's VM step process (not runuser's).
    func vmPid() -> Int32? {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).first { pid in
            guard let raw = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
            let arguments = raw.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            return arguments.first?.hasSuffix("pcocc-docker-node") == true && arguments.contains(directory)
        }
    }

    /// The last lines of the guest's serial console.
    func consoleTail(lines: Int = 60) -> String {
        let text = (try? String(contentsOfFile: "\(directory)/docker/console.log", encoding: .utf8)) ?? "(none)"
        return text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: directory)
        try? FileManager.default.removeItem(atPath: scratchRoot)
    }
}

struct VMTestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
