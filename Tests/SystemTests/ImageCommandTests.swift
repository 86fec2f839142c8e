import ChildProcess
import Foundation
import ImageRepo
import XCTest

/// export, import, edit and build against a real job's daemon, with the test user's own pcocc repository, a
/// read-only site repository and a group-shared one, both made by root. Services: the Slurm cluster and guest image
/// of scripts/setup.sh, skopeo, squashfs-tools-ng; boots one VM for the whole sequence.
final class ImageCommandTests: XCTestCase {
    func testExportImportEditAndBuildRoundTrips() async throws {
        let system = try SystemTestEnvironment.require()
        let tag = UUID().uuidString.prefix(6)
        let repository = "\(system.home)/.pcocc/images-systest-\(tag)"
        let configDirectory = "\(system.home)/.pcocc/conf-\(tag)"
        let shared = "/tmp/pcocc-systest-shared-\(tag)"
        try await system.runAsUser(["mkdir", "-p", configDirectory])
        try await system.runAsUser([
            "/bin/sh", "-c",
            "printf 'repos:\\n  - name: user\\n    path: %s\\n  - name: site\\n    path: %s\\n  - name: group\\n    path: %s\\ncache:\\n  path: %s\\n' \"$1\" \"$2\" \"$3\" \"$4\" > \"$5/repos.yaml\"",
            "sh", repository, "\(shared)/site", "\(shared)/group", "\(repository)-cache", configDirectory,
        ])
        defer { for path in [repository, repository + "-cache", configDirectory, shared] { removeTree(path) } }
        // Made by root: a site repository its users can only read, and a group-shared one (setgid directories, the
        // lock file root's and read-only to the group).
        let sharedRepositories = try await SharedRepositories(system, at: shared)

        // The job's output in a file of this test: a shared /tmp may hold another cluster's slurm-JOBID.out.
        let jobID = try await system.startDockerJob(name: "systest-images", output: "\(configDirectory)/slurm-%j.out")
        defer { Task { _ = try? await system.runAsUser(["scancel", jobID]) } }
        let env = [
            "PCOCC_JOB_ID": jobID, "PCOCC_USER_CONF_DIR": configDirectory, "PCOCC_SYSTEM_CONF_DIR": "/nonexistent",
        ]
        func run(_ arguments: [String]) async throws -> ProcessResult {
            try await system.pcoccDocker(arguments, environment: env)
        }
        func docker(_ arguments: [String]) async throws -> ProcessResult {
            try await system.runAsUser(
                ["/bin/sh", "-c", "eval $(\(system.binary) env) && exec docker \"$@\"", "docker"] + arguments,
                environment: env)
        }

        // Load busybox into the daemon, then import it: repository + squashfs.
        let layout = try await system.makeBusyboxLayout()
        defer { try? FileManager.default.removeItem(atPath: layout) }
        let load = try await system.runAsUser(
            [
                "/bin/sh", "-c",
                "eval $(\(system.binary) env) && skopeo copy --quiet oci:\(layout):latest docker-archive:/dev/stdout:bb:latest | docker load --quiet",
            ], environment: env)
        XCTAssertEqual(load.status, 0, load.errorTail)
        let imported = try await run(["import", "bb", "bbrepo"])
        XCTAssertEqual(imported.status, 0, imported.errorTail)
        XCTAssertTrue(imported.errorTail.contains("Storing image in repository 'user' as 'bbrepo'"), imported.errorTail)
        let metas = try FileManager.default.contentsOfDirectory(atPath: "\(repository)/meta")
        XCTAssertEqual(metas, ["bbrepo@0"])
        // pcocc's default driver: the flat bundle, where pcocc looks for it.
        let repositories = try ImageRepositories(
            configuration: RepositoryConfiguration(
                repositories: [.init(name: "user", path: repository, file: nil)], cacheDirectory: repository + "-cache")
        )
        let entry = repositories.cache.path(for: try repositories.find("bbrepo"), kind: .bundle)
        XCTAssertTrue(FileManager.default.fileExists(atPath: entry + "/rootfs/bin/busybox"), "no bundle at \(entry)")
        XCTAssertTrue(FileManager.default.fileExists(atPath: entry + "/config.json"), "no config.json in \(entry)")

        // A second import to the same name is refused, and nothing changes; --force stores the next revision.
        let again = try await run(["import", "bb", "bbrepo"])
        XCTAssertNotEqual(again.status, 0)
        XCTAssertTrue(again.errorTail.contains("already exists"), again.errorTail)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: "\(repository)/meta"), ["bbrepo@0"])
        let forced = try await run(["import", "--force", "bb", "bbrepo"])
        XCTAssertEqual(forced.status, 0, forced.errorTail)
        XCTAssertEqual(
            try FileManager.default.contentsOfDirectory(atPath: "\(repository)/meta").sorted(),
            ["bbrepo@0", "bbrepo@1"])
        let listed = try await run(["images", "--repo", "user", "--json"])
        let revisions = try PythonJSON.parse(listed.outputString).arrayValue?.compactMap { $0["revision"]?.intValue }
        XCTAssertEqual(revisions, [0, 1], listed.outputString)
        let table = try await run(["images", "--repo", "user"])
        XCTAssertEqual(
            table.outputString.split(separator: "\n").filter { $0.contains("bbrepo") }.count, 2, table.outputString)
        let old = try await run(["export", "bbrepo@0", "bbold"])
        XCTAssertEqual(old.status, 0, old.errorTail)
        let oldRun = try await docker(["run", "--rm", "bbold", "echo", "revision-0-ok"])
        XCTAssertTrue(oldRun.outputString.contains("revision-0-ok"), oldRun.errorTail)
        let missing = try await run(["export", "bbrepo@7", "x"])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.errorTail.contains("bbrepo revision 7"), missing.errorTail)

        // Shared repositories: export from the read-only one writes nothing in it; import into the group one works
        // with a lock file the user can only read.
        let fromSite = try await run(["export", "site:bbsite", "bbsite"])
        XCTAssertEqual(fromSite.status, 0, fromSite.errorTail)
        let siteRun = try await docker(["run", "--rm", "bbsite", "echo", "site-ok"])
        XCTAssertTrue(siteRun.outputString.contains("site-ok"), siteRun.errorTail)
        XCTAssertEqual(try sharedRepositories.siteContents(), sharedRepositories.siteBefore)
        let intoGroup = try await run(["import", "bb", "group:fromuser"])
        XCTAssertEqual(intoGroup.status, 0, intoGroup.errorTail)
        XCTAssertEqual(
            try FileManager.default.contentsOfDirectory(atPath: "\(shared)/group/meta").sorted(), ["fromuser@0"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: "\(shared)/group/.tmp"), [])

        // export -> docker run.
        let exported = try await run(["export", "bbrepo", "bb2"])
        XCTAssertEqual(exported.status, 0, exported.errorTail)
        let hello = try await docker(["run", "--rm", "bb2", "echo", "exported-ok"])
        XCTAssertTrue(hello.outputString.contains("exported-ok"), hello.errorTail)

        // edit with a command that creates a file: the new image has it, the temporaries are gone.
        let edited = try await run(["edit", "bbrepo", "bbedit", "touch", "/edited-by-pcocc"])
        XCTAssertEqual(edited.status, 0, edited.errorTail)
        XCTAssertTrue(edited.errorTail.contains("You are now editing your image"), edited.errorTail)
        _ = try await run(["export", "bbedit", "bbedit"])
        let check = try await docker(["run", "--rm", "bbedit", "ls", "/edited-by-pcocc"])
        XCTAssertEqual(check.status, 0, "the edited file is missing: \(check.errorTail)")
        let images = try await docker(["images", "--format", "{{.Repository}}"])
        XCTAssertFalse(images.outputString.contains("pcocc-edit"), images.outputString)
        let containers = try await docker(["ps", "-a", "--format", "{{.Names}}"])
        XCTAssertFalse(containers.outputString.contains("pcocc-edit"), containers.outputString)
        // edit's docker run options reach the container: an environment variable the command writes down.
        let editedWithEnv = try await run([
            "edit", "-e", "EDIT_VALUE=from-run-option", "bbrepo", "bbenv", "sh", "-c", "echo $EDIT_VALUE > /edit-value",
        ])
        XCTAssertEqual(editedWithEnv.status, 0, editedWithEnv.errorTail)
        let envEntry = repositories.cache.path(for: try repositories.find("bbenv"), kind: .bundle)
        let editValue = try? String(contentsOfFile: envEntry + "/rootfs/edit-value", encoding: .utf8)
        XCTAssertEqual(editValue, "from-run-option\n", "the command's file in \(envEntry)")

        // build a Dockerfile FROM an exported image; the stored config has the command.
        let context = "/tmp/pcocc-systest-build-\(UUID().uuidString.prefix(6))"
        try FileManager.default.createDirectory(atPath: context, withIntermediateDirectories: true)
        try "FROM bb2\nCMD [\"echo\", \"Hello Pcocc\"]\n".write(
            toFile: context + "/Dockerfile", atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: context) }
        let built = try await run(["build", context, "hello"])
        XCTAssertEqual(built.status, 0, built.errorTail)
        let blobs = try await ChildProcess.run("grep", ["-rl", "Hello Pcocc", "\(repository)/data"])
        XCTAssertFalse(blobs.outputString.isEmpty, "no stored blob holds the CMD")

        // docker build's options: a Dockerfile named otherwise, outside the context, and an ARG a RUN writes.
        let elsewhere = context + "-files"
        try FileManager.default.createDirectory(atPath: elsewhere, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: elsewhere) }
        try "FROM bb2\nARG GREETING=unset\nRUN echo \"$GREETING\" > /greeting\n"
            .write(toFile: elsewhere + "/greeting.containerfile", atomically: true, encoding: .utf8)
        let withArgs = try await run([
            "build", "-f", elsewhere + "/greeting.containerfile", "--build-arg", "GREETING=built-with-arg",
            "--label", "org.example.test=yes", context, "greeting", "--", "--network=none",
        ])
        XCTAssertEqual(withArgs.status, 0, withArgs.errorTail)
        let greetingEntry = repositories.cache.path(for: try repositories.find("greeting"), kind: .bundle)
        let greeting = try? String(contentsOfFile: greetingEntry + "/rootfs/greeting", encoding: .utf8)
        XCTAssertEqual(greeting, "built-with-arg\n", "the RUN's file in \(greetingEntry)")
        let noSuchFile = try await run(["build", "-f", elsewhere + "/missing", context, "nothing"])
        XCTAssertNotEqual(noSuchFile.status, 0)
        XCTAssertTrue(noSuchFile.errorTail.contains("'\(elsewhere)/missing' does not exist"), noSuchFile.errorTail)

        // Bad input: one clear line each.
        let noDockerfile = try await run(["build", "/tmp", "nothing"])
        XCTAssertNotEqual(noDockerfile.status, 0)
        XCTAssertTrue(noDockerfile.errorTail.contains("has no Dockerfile"), noDockerfile.errorTail)
        let unknown = try await run(["export", "nosuchimage", "x"])
        XCTAssertNotEqual(unknown.status, 0)
        XCTAssertTrue(unknown.errorTail.contains("nosuchimage"), unknown.errorTail)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: "\(repository)/.tmp")
        XCTAssertEqual(leftovers, [], "temporary files left in the repository")
    }
}
