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

    func testToDaemonPassesHostAndCertificates() throws {
        let arguments = Skopeo.toDaemonArguments(
            layout: "/tmp/l", layoutTag: "latest", image: try DaemonImageReference(parsing: "bb"), daemon: daemon, quiet: true)
        XCTAssertEqual(arguments, [
            "copy", "--quiet", "--dest-daemon-host", "tcp://node1:40123",
            "--dest-cert-dir", "/home/u/.pcocc/job_7/vmcerts/client", "oci:/tmp/l:latest", "docker-daemon:bb:latest",
        ])
    }

    func testFromDaemonPassesSourceOptions() throws {
        let arguments = Skopeo.fromDaemonArguments(
            image: try DaemonImageReference(parsing: "bb:v2"), daemon: daemon, layout: "/tmp/l", layoutTag: "latest", quiet: false)
        XCTAssertEqual(arguments, [
            "copy", "--src-daemon-host", "tcp://node1:40123", "--src-cert-dir",
            "/home/u/.pcocc/job_7/vmcerts/client", "docker-daemon:bb:v2", "oci:/tmp/l:latest",
        ])
    }

    func testIPv6HostIsBracketed() {
        XCTAssertEqual(DaemonEndpoint(host: "fe80::1", port: 1, certificateDirectory: "/c").dockerHost, "tcp://[fe80::1]:1")
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
