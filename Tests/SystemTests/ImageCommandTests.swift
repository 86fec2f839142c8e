import ChildProcess
import Foundation
import XCTest

/// export, import, edit and build against a real job's daemon, with the test user's own pcocc
/// repository (~/.pcocc/images). Services: the Slurm cluster and guest image of scripts/test.sh,
/// skopeo, squashfs-tools-ng; boots one VM for the whole sequence.
final class ImageCommandTests: XCTestCase {
    func testExportImportEditAndBuildRoundTrips() async throws {
        let system = try SystemTestEnvironment.require()
        let repository = "\(system.home)/.pcocc/images-systest-\(UUID().uuidString.prefix(6))"
        let configDirectory = "\(system.home)/.pcocc/conf-\(UUID().uuidString.prefix(6))"
        try await system.runAsUser(["mkdir", "-p", configDirectory])
        try await system.runAsUser(["/bin/sh", "-c", "printf 'repos:\\n  - name: user\\n    path: %s\\ncache:\\n  path: %s\\n' '\(repository)' '\(repository)-cache' > \(configDirectory)/repos.yaml"])
        defer { try? FileManager.default.removeItem(atPath: repository); try? FileManager.default.removeItem(atPath: repository + "-cache"); try? FileManager.default.removeItem(atPath: configDirectory) }

        let submitted = try await system.pcoccDocker(["batch", "--time=15", "-J", "systest-images"])
        XCTAssertEqual(submitted.status, 0, submitted.errorTail)
        let jobID = String(submitted.outputString.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: " ").last ?? "")
        defer { Task { _ = try? await system.runAsUser(["scancel", jobID]) } }
        let ready = try await system.pcoccDocker(["shell", "-j", jobID, "-E", "true"])
        XCTAssertEqual(ready.status, 0, ready.errorTail)
        let env = ["PCOCC_JOB_ID": jobID, "PCOCC_USER_CONF_DIR": configDirectory, "PCOCC_SYSTEM_CONF_DIR": "/nonexistent"]
        func run(_ arguments: [String]) async throws -> ProcessResult { try await system.pcoccDocker(arguments, environment: env) }
        func docker(_ arguments: [String]) async throws -> ProcessResult {
            try await system.runAsUser(["/bin/sh", "-c", "eval $(\(system.binary) env) && exec docker \"$@\"", "docker"] + arguments, environment: env)
        }

        // Load busybox into the daemon, then import it: repository + squashfs.
        let layout = try await system.makeBusyboxLayout()
        defer { try? FileManager.default.removeItem(atPath: layout) }
        let load = try await system.runAsUser(["/bin/sh", "-c", "eval $(\(system.binary) env) && skopeo copy --quiet oci:\(layout):latest docker-daemon:bb:latest --dest-daemon-host \"$DOCKER_HOST\" --dest-cert-dir \"$DOCKER_CERT_PATH\""], environment: env)
        XCTAssertEqual(load.status, 0, load.errorTail)
        let imported = try await run(["import", "bb", "bbrepo"])
        XCTAssertEqual(imported.status, 0, imported.errorTail)
        XCTAssertTrue(imported.errorTail.contains("Storing image in repository 'user' as 'bbrepo'"), imported.errorTail)
        let metas = try FileManager.default.contentsOfDirectory(atPath: "\(repository)/meta")
        XCTAssertEqual(metas, ["bbrepo@0"])
        let squashfs = try await ChildProcess.run("find", ["\(repository)-cache", "-type", "f"])
        let squashfsFile = try XCTUnwrap(squashfs.outputString.split(separator: "\n").first.map(String.init), "no squashfs in the cache")
        let listing = try await ChildProcess.checked("rdsquashfs", ["-l", "/bin", squashfsFile])
        XCTAssertTrue(listing.outputString.contains("busybox"), listing.outputString)

        // A second import to the same name is refused, and nothing changes.
        let again = try await run(["import", "bb", "bbrepo"])
        XCTAssertNotEqual(again.status, 0)
        XCTAssertTrue(again.errorTail.contains("already exists"), again.errorTail)

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

        // build a Dockerfile FROM an exported image; the stored config has the command.
        let context = "/tmp/pcocc-systest-build-\(UUID().uuidString.prefix(6))"
        try FileManager.default.createDirectory(atPath: context, withIntermediateDirectories: true)
        try "FROM bb2\nCMD [\"echo\", \"Hello Pcocc\"]\n".write(toFile: context + "/Dockerfile", atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: context) }
        let built = try await run(["build", context, "hello"])
        XCTAssertEqual(built.status, 0, built.errorTail)
        let blobs = try await ChildProcess.run("grep", ["-rl", "Hello Pcocc", "\(repository)/data"])
        XCTAssertFalse(blobs.outputString.isEmpty, "no stored blob holds the CMD")

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
