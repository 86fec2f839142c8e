import ChildProcess
import Foundation
import ImageRepo
import XCTest

/// The manual's pcocc runs, replayed on what our import, edit and build leave in pcocc's cache: each cache entry is
/// run rootless the way `pcocc run` does (squashfuse for the squashfs driver, a transposed bundle, runc), as the test
/// user. Then two imports into one repository from two jobs at once. Services: the Slurm cluster and guest image of
/// scripts/setup.sh (two VMs), skopeo, squashfuse with /dev/fuse usable by users (setup.sh), runc.
final class PcoccRunTests: XCTestCase {
    func testEditBuildAndRunAsPcoccDoes() async throws {
        let system = try SystemTestEnvironment.require()
        for tool in ["squashfuse", "fusermount3", "runc"] where ChildProcess.which(tool) == nil {
            throw XCTSkip("\(tool) is not installed: run scripts/install-deps.sh")
        }
        var fuse = stat()
        XCTAssertTrue(
            stat("/dev/fuse", &fuse) == 0 && fuse.st_mode & 0o006 == 0o006,
            "/dev/fuse is not usable by users: run scripts/setup.sh")
        let site = try await PcoccSite(system, name: "run")
        defer { site.remove() }
        try site.setDriver("squashfs", mountPoints: ["/scratch/"])

        // Two jobs: the second only for the concurrent imports at the end; both boot while the first works.
        let jobs = try await [site.submit("systest-run-a"), site.submit("systest-run-b")]
        defer { Task { for job in jobs { _ = try? await system.runAsUser(["scancel", job]) } } }
        try await site.waitReady(jobs[0])
        try await site.loadBusybox(into: jobs[0], as: "bb")
        try await site.pcoccDocker(["import", "bb", "cont-centos"], job: jobs[0])

        // The manual: edit that touches /newfile, then `pcocc run ... -I new-centos ls /newfile`.
        try await site.pcoccDocker(["edit", "cont-centos", "new-centos", "touch", "/newfile"], job: jobs[0])
        let newfile = try await site.runAsPcocc("new-centos", ["ls", "/newfile"])
        XCTAssertEqual(newfile.outputString, "/newfile\n", newfile.errorTail)
        let scratch = try await site.runAsPcocc("new-centos", ["ls", "-d", "/scratch"])  // runtime.image_mountpoints
        XCTAssertEqual(scratch.outputString, "/scratch\n", scratch.errorTail)

        // The manual: build FROM an exported image with CMD ["echo", "Hello Pcocc"], then run the bundle's args.
        try await site.pcoccDocker(["export", "new-centos", "exported"], job: jobs[0])
        let context = try site.buildContext(from: "exported")
        try await site.pcoccDocker(["build", context, "hello"], job: jobs[0])
        let hello = try await site.runAsPcocc("hello", [])
        XCTAssertEqual(hello.outputString, "Hello Pcocc\n", hello.errorTail)

        // pcocc's default driver: the flat bundle directory runs the same way.
        try site.setDriver("flat", mountPoints: [])
        try await site.pcoccDocker(["build", context, "hello-flat"], job: jobs[0])
        try await site.pcoccDocker(["edit", "cont-centos", "new-centos-flat", "touch", "/newfile"], job: jobs[0])
        XCTAssertTrue(isDirectory(try site.cacheEntry("hello-flat", driver: .flat)))
        let flatHello = try await site.runAsPcocc("hello-flat", [])
        XCTAssertEqual(flatHello.outputString, "Hello Pcocc\n", flatHello.errorTail)
        let flatNewfile = try await site.runAsPcocc("new-centos-flat", ["ls", "/newfile"])
        XCTAssertEqual(flatNewfile.outputString, "/newfile\n", flatNewfile.errorTail)

        // Two imports into one repository from two jobs at once both land, as distinct revisions of one name.
        try await site.waitReady(jobs[1])
        try await site.loadBusybox(into: jobs[1], as: "bb")
        async let first = site.pcoccDockerResult(["import", "--force", "bb", "shared"], job: jobs[0])
        async let second = site.pcoccDockerResult(["import", "--force", "bb", "shared"], job: jobs[1])
        let results = try await [first, second]
        for result in results { XCTAssertEqual(result.status, 0, result.errorTail) }
        let repositories = try site.repositories()
        XCTAssertEqual(try repositories.defaultRepository.revisions(of: "shared"), [0, 1])
        for revision in [0, 1] {
            let image = try repositories.find("shared@\(revision)")
            XCTAssertTrue(
                isDirectory(repositories.cache.path(for: image, kind: .bundle)), "shared@\(revision) has no cache entry"
            )
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: site.repository + "/.tmp"), [])
    }
}

/// One test's pcocc configuration for the test user: a repository and a cache in its home, repos.yaml in a private
/// user configuration directory, and pcocc's containers.yaml (runtime.image_driver...) in a system one.
struct PcoccSite {
    let system: SystemTestEnvironment
    let repository: String
    let cache: String
    let userConf: String
    let systemConf: String
    let scratch: String

    init(_ system: SystemTestEnvironment, name: String) async throws {
        self.system = system
        let tag = "\(name)-\(UUID().uuidString.prefix(6))"
        repository = "\(system.home)/.pcocc/images-systest-\(tag)"
        cache = repository + "-cache"
        userConf = "\(system.home)/.pcocc/conf-\(tag)"
        systemConf = "/tmp/pcocc-systest-sysconf-\(tag)"
        scratch = "/tmp/pcocc-systest-\(tag)"
        try await system.runAsUser(["mkdir", "-p", userConf, scratch])
        try await system.runAsUser([
            "/bin/sh", "-c",
            "printf 'repos:\\n  - name: user\\n    path: %s\\ncache:\\n  path: %s\\n' \"$1\" \"$2\" > \"$3/repos.yaml\"",
            "sh", repository, cache, userConf,
        ])
        try FileManager.default.createDirectory(atPath: systemConf, withIntermediateDirectories: true)
    }

    func remove() {
        for path in [repository, cache, userConf, systemConf, scratch] { removeTree(path) }
    }

    var environment: [String: String] { ["PCOCC_USER_CONF_DIR": userConf, "PCOCC_SYSTEM_CONF_DIR": systemConf] }

    /// pcocc's containers.yaml, in the system directory (the user's holds pcocc-docker's own file today).
    func setDriver(_ driver: String, mountPoints: [String]) throws {
        let points = mountPoints.map { "\"\($0)\"" }.joined(separator: ", ")
        let yaml =
            "runtime:\n  docker_template: docker-vm\n  image_driver: \(driver)\n  image_mountpoints: [\(points)]\n"
        try yaml.write(toFile: systemConf + "/containers.yaml", atomically: true, encoding: .utf8)
        chmod(systemConf + "/containers.yaml", 0o644)
    }

    func submit(_ name: String) async throws -> String {
        // The job's output in a file of this test: a shared /tmp may hold another cluster's slurm-JOBID.out.
        let submitted = try await system.pcoccDocker(
            ["batch", "--time=20", "-J", name, "--output=\(userConf)/slurm-%j.out"], environment: environment)
        guard submitted.status == 0, let job = submitted.outputString.split(separator: " ").last else {
            throw ImageRepoCauseForTests("batch failed: \(submitted.errorTail)")
        }
        return job.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func waitReady(_ job: String) async throws {
        let ready = try await system.pcoccDocker(["shell", "-j", job, "-E", "true"], environment: environment)
        guard ready.status == 0 else { throw ImageRepoCauseForTests("job \(job) never got ready: \(ready.errorTail)") }
    }

    /// skopeo copies the busybox test image into the job's daemon as `tag`.
    func loadBusybox(into job: String, as tag: String) async throws {
        let layout = try await system.makeBusyboxLayout()
        defer { try? FileManager.default.removeItem(atPath: layout) }
        let load = try await system.runAsUser(
            [
                "/bin/sh", "-c",
                "eval $(\(system.binary) env) && skopeo copy --quiet oci:\(layout):latest docker-archive:/dev/stdout:\(tag):latest | docker load --quiet",
            ],
            environment: environment.merging(["PCOCC_JOB_ID": job]) { $1 })
        guard load.status == 0 else { throw ImageRepoCauseForTests("skopeo into job \(job): \(load.errorTail)") }
    }

    func pcoccDockerResult(_ arguments: [String], job: String) async throws -> ProcessResult {
        try await system.pcoccDocker(arguments, environment: environment.merging(["PCOCC_JOB_ID": job]) { $1 })
    }

    /// Runs pcocc-docker and fails the test (with its error output) unless it succeeds.
    func pcoccDocker(
        _ arguments: [String], job: String, file: StaticString = #filePath, line: UInt = #line
    ) async throws {
        let result = try await pcoccDockerResult(arguments, job: job)
        XCTAssertEqual(
            result.status, 0, "pcocc-docker \(arguments.joined(separator: " ")): \(result.errorTail)", file: file,
            line: line)
        guard result.status == 0 else { throw ImageRepoCauseForTests("pcocc-docker \(arguments[0]) failed") }
    }

    /// A build context whose Dockerfile is the manual's: FROM `image`, CMD ["echo", "Hello Pcocc"].
    func buildContext(from image: String) throws -> String {
        let context = scratch + "/context"
        try FileManager.default.createDirectory(atPath: context, withIntermediateDirectories: true)
        try "FROM \(image)\nCMD [\"echo\", \"Hello Pcocc\"]\n".write(
            toFile: context + "/Dockerfile", atomically: true, encoding: .utf8)
        chmod(context, 0o755)
        chmod(context + "/Dockerfile", 0o644)
        return context
    }

    func repositories() throws -> ImageRepositories {
        try ImageRepositories(
            configuration: RepositoryConfiguration(
                repositories: [.init(name: "user", path: repository, file: nil)], cacheDirectory: cache))
    }

    /// Where pcocc looks for `image`'s cache entry with `driver`.
    func cacheEntry(_ image: String, driver: CacheEntryFormat.Driver) throws -> String {
        let repositories = try repositories()
        return repositories.cache.path(for: try repositories.find(image), kind: driver.cacheKind)
    }

    /// `pcocc run -I IMAGE ARGS` as the test user, from the cache entry of the driver containers.yaml names.
    func runAsPcocc(_ image: String, _ arguments: [String]) async throws -> ProcessResult {
        let yaml = try String(contentsOfFile: systemConf + "/containers.yaml", encoding: .utf8)
        let entry = try cacheEntry(image, driver: yaml.contains("image_driver: squashfs") ? .squashfs : .flat)
        let script = scratch + "/pcocc-run.py"
        if !FileManager.default.fileExists(atPath: script) {
            try PcoccRunScript.source.write(toFile: script, atomically: true, encoding: .utf8)
            chmod(script, 0o644)
        }
        return try await system.runAsUser(["python3", script, entry] + arguments, environment: environment)
    }
}

/// A test failure's reason, as an Error.
struct ImageRepoCauseForTests: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Removes a tree made by the test or the test user, whatever its modes (rm -rf as root).
func removeTree(_ path: String) {
    _ = try? Process.run(URL(fileURLWithPath: "/bin/rm"), arguments: ["-rf", path]).waitUntilExit()
}

func isDirectory(_ path: String) -> Bool {
    var directory: ObjCBool = false
    return FileManager.default.fileExists(atPath: path, isDirectory: &directory) && directory.boolValue
}
