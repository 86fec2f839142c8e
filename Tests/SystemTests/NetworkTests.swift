import ChildProcess
import Foundation
import XCTest

/// The VM's network through the settings, with real parts and only local traffic: Debian's docker-registry and a web
/// server on the node's loopback (the guest's 10.0.2.2), declared as the daemon's Docker Hub mirror and insecure
/// registry. Services: the cluster and guest image of scripts/test.sh; two VMs (nat, then none).
final class NetworkTests: XCTestCase {
    func testNATRegistriesBuildsAndPublishedPorts() async throws {
        let system = try SystemTestEnvironment.require()
        let work = "/tmp/pcocc-systest-net-\(UUID().uuidString.prefix(6))"
        try FileManager.default.createDirectory(atPath: "\(work)/www", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        try "fetched through NAT\n".write(toFile: "\(work)/www/hello.txt", atomically: true, encoding: .utf8)
        let registry = try LocalService.registry(in: "\(work)/registry")
        defer { registry.stop() }
        let web = try LocalService.web(serving: "\(work)/www")
        defer { web.stop() }
        let layout = try await system.makeToolboxLayout()
        defer { try? FileManager.default.removeItem(atPath: layout) }
        // Docker Hub's name for it, served by the mirror, and the registry's own name.
        try await system.push(layout: layout, to: registry, as: "library/toolbox:latest")
        try await system.push(layout: layout, to: registry, as: "tools/toolbox:latest")

        // The user's files: the mirror in pcocc-docker.yaml, the insecure registry in pcocc's containers.yaml.
        let config = "\(work)/user"
        try FileManager.default.createDirectory(atPath: config, withIntermediateDirectories: true)
        try "network:\n  mode: nat\n  registry_mirrors: [\"http://10.0.2.2:\(registry.port)\"]\n"
            .write(toFile: "\(config)/pcocc-docker.yaml", atomically: true, encoding: .utf8)
        try "runtime:\n  insecure_registries: [\"10.0.2.2:\(registry.port)\"]\n"
            .write(toFile: "\(config)/containers.yaml", atomically: true, encoding: .utf8)
        try await ChildProcess.checked("chmod", ["-R", "a+rX", work])
        let environment = ["PCOCC_USER_CONF_DIR": config]

        let jobID = try await system.startDockerJob(name: "systest-nat", environment: environment)
        defer { Task { _ = try? await system.runAsUser(["scancel", jobID]) } }
        func docker(_ arguments: [String]) async throws -> ProcessResult {
            try await system.docker(jobID, arguments, environment: environment)
        }

        // A Docker Hub name comes from the mirror; the insecure registry takes a push and gives the image back.
        let fromMirror = try await docker(["pull", "toolbox"])
        XCTAssertEqual(fromMirror.status, 0, "pull through the mirror: \(fromMirror.errorTail)")
        let tagged = "10.0.2.2:\(registry.port)/tools/pushed:1"
        let tag = try await docker(["tag", "toolbox", tagged])
        XCTAssertEqual(tag.status, 0, tag.errorTail)
        let push = try await docker(["push", tagged])
        XCTAssertEqual(push.status, 0, "push to the insecure registry: \(push.errorTail)")
        let rmi = try await docker(["rmi", tagged])
        XCTAssertEqual(rmi.status, 0, rmi.errorTail)
        let pullBack = try await docker(["pull", tagged])
        XCTAssertEqual(pullBack.status, 0, "pull back: \(pullBack.errorTail)")

        // A build whose RUN step fetches from the node: containers have NAT.
        let context = "\(work)/context"
        try FileManager.default.createDirectory(atPath: context, withIntermediateDirectories: true)
        try """
        FROM 10.0.2.2:\(registry.port)/tools/toolbox
        RUN wget -q -O /hello.txt http://10.0.2.2:\(web.port)/hello.txt
        CMD ["cat", "/hello.txt"]
        """.write(toFile: "\(context)/Dockerfile", atomically: true, encoding: .utf8)
        try await ChildProcess.checked("chmod", ["-R", "a+rX", context])
        let build = try await docker(["build", "-t", "fetched", context])
        XCTAssertEqual(
            build.status, 0, "docker build with a RUN step that fetches: \(build.outputString)\(build.errorTail)")
        let fetched = try await docker(["run", "--rm", "fetched"])
        XCTAssertEqual(fetched.outputString, "fetched through NAT\n", fetched.errorTail)
        let userNetwork = try await docker(["network", "create", "mine"])
        XCTAssertEqual(userNetwork.status, 0, userNetwork.errorTail)
        let onUserNetwork = try await docker([
            "run", "--rm", "--network", "mine", "toolbox", "wget", "-q", "-O", "-",
            "http://10.0.2.2:\(web.port)/hello.txt",
        ])
        XCTAssertEqual(
            onUserNetwork.outputString, "fetched through NAT\n", "user-defined network: \(onUserNetwork.errorTail)")

        // A published port, reached from a second container.
        let server = try await docker([
            "run", "-d", "--name", "web", "-p", "8080:80", "toolbox", "httpd", "-f", "-p", "80", "-h", "/www",
        ])
        XCTAssertEqual(server.status, 0, server.errorTail)
        var reached = ""
        for _ in 0..<10 where !reached.contains("published") {
            reached = try await docker(["run", "--rm", "toolbox", "wget", "-q", "-O", "-", "http://172.17.0.1:8080/"])
                .outputString
            if !reached.contains("published") { try await Task.sleep(for: .seconds(1)) }
        }
        XCTAssertTrue(reached.contains("published"), "the published port did not answer a second container: \(reached)")
        _ = try await system.pcoccDocker(["stop", "-j", jobID])
    }

    func testNoneCutsTheVMOff() async throws {
        let system = try SystemTestEnvironment.require()
        let work = "/tmp/pcocc-systest-none-\(UUID().uuidString.prefix(6))"
        try FileManager.default.createDirectory(atPath: "\(work)/www", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        try "should not arrive\n".write(toFile: "\(work)/www/hello.txt", atomically: true, encoding: .utf8)
        let web = try LocalService.web(serving: "\(work)/www")
        defer { web.stop() }
        let config = "\(work)/user"
        try FileManager.default.createDirectory(atPath: config, withIntermediateDirectories: true)
        try "network:\n  mode: none\n".write(toFile: "\(config)/pcocc-docker.yaml", atomically: true, encoding: .utf8)
        try await ChildProcess.checked("chmod", ["-R", "a+rX", work])
        let environment = ["PCOCC_USER_CONF_DIR": config]
        let layout = try await system.makeToolboxLayout()
        defer { try? FileManager.default.removeItem(atPath: layout) }

        let jobID = try await system.startDockerJob(name: "systest-none", environment: environment)
        defer { Task { _ = try? await system.runAsUser(["scancel", jobID]) } }
        let archive = "\(work)/toolbox.tar"
        try await ChildProcess.checked(
            "skopeo", ["copy", "--quiet", "oci:\(layout):latest", "docker-archive:\(archive):toolbox:latest"])
        try await ChildProcess.checked("chmod", ["a+r", archive])
        let load = try await system.docker(jobID, ["load", "-i", archive], environment: environment)
        XCTAssertEqual(load.status, 0, load.errorTail)
        let cut = try await system.docker(
            jobID,
            [
                "run", "--rm", "toolbox", "wget", "-q", "-T", "5", "-O", "-", "http://10.0.2.2:\(web.port)/hello.txt",
            ], environment: environment)
        XCTAssertNotEqual(cut.status, 0, "a container reached the node with network none: \(cut.outputString)")
        XCTAssertFalse(cut.outputString.contains("should not arrive"))
        _ = try await system.pcoccDocker(["stop", "-j", jobID])
    }
}
