import DockerClient
import XCTest

@testable import SkopeoBridge

final class SkopeoArgumentsTests: XCTestCase {
    let daemon = DaemonEndpoint(host: "node1", port: 40123, certificateDirectory: "/home/u/.pcocc/job_7/vmcerts/client")

    func testReferenceWithoutTagMeansLatest() throws {
        XCTAssertEqual(try DaemonImageReference(parsing: "busybox").description, "busybox:latest")
        XCTAssertEqual(try DaemonImageReference(parsing: "bb:1.36").tag, "1.36")
        let registry = try DaemonImageReference(parsing: "registry:5000/team/app")
        XCTAssertEqual(registry.name, "registry:5000/team/app")
        XCTAssertEqual(registry.tag, "latest")
    }

    func testInvalidReferencesAreRefused() {
        for text in ["", "Upper", "a b", "x@sha256:00", "name:"] {
            XCTAssertThrowsError(try DaemonImageReference(parsing: text), text)
        }
    }

    func testToDaemonStreamsADockerArchiveIntoDockerLoad() throws {
        let archive = Skopeo.archivePath(beside: "/tmp/scratch/layout")
        XCTAssertEqual(archive, "/tmp/scratch/docker-archive.tar")
        let toArchive = Skopeo.toArchiveArguments(
            layout: "/tmp/scratch/layout", layoutTag: "latest", archive: archive,
            image: try DaemonImageReference(parsing: "bb"),
            quiet: true)
        XCTAssertEqual(
            toArchive,
            [
                "copy", "--quiet", "oci:/tmp/scratch/layout:latest",
                "docker-archive:/tmp/scratch/docker-archive.tar:bb:latest",
            ])
        XCTAssertEqual(Skopeo.loadArguments(archive: archive), ["load", "--quiet", "--input", archive])
    }

    func testFromDaemonSavesThenReadsTheArchive() throws {
        let archive = "/tmp/scratch/docker-archive.tar"
        XCTAssertEqual(
            Skopeo.saveArguments(image: try DaemonImageReference(parsing: "bb:v2"), archive: archive),
            ["save", "--output", archive, "bb:v2"])
        XCTAssertEqual(
            Skopeo.fromArchiveArguments(
                archive: archive, layout: "/tmp/scratch/layout", layoutTag: "latest", quiet: false),
            ["copy", "docker-archive:/tmp/scratch/docker-archive.tar", "oci:/tmp/scratch/layout:latest"])
    }

    func testIPv6HostIsBracketed() {
        XCTAssertEqual(
            DaemonEndpoint(host: "fe80::1", port: 1, certificateDirectory: "/c").dockerHost, "tcp://[fe80::1]:1")
    }

    func testEnvironmentForTheDockerCLI() {
        let environment = daemon.environment(["PATH": "/bin", "DOCKER_HOST": "unix:///old"])
        XCTAssertEqual(environment["DOCKER_HOST"], daemon.dockerHost)
        XCTAssertEqual(environment["DOCKER_TLS_VERIFY"], "1")
        XCTAssertEqual(environment["DOCKER_CERT_PATH"], "/home/u/.pcocc/job_7/vmcerts/client")
        XCTAssertEqual(environment["PATH"], "/bin")
        XCTAssertEqual(daemon.variables.map(\.name), DaemonEndpoint.variableNames)
    }
}
