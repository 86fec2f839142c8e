import Foundation
import VMAllocator
import XCTest

@testable import DockerVM

final class EndpointTests: XCTestCase {
    func testWriteIsAtomicJSONOfTheContract() throws {
        let directory = NSTemporaryDirectory() + "pcocc-endpoint-\(getpid())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = "\(directory)/endpoint.json"
        let record = EndpointRecord(host: "node1", port: 40123, node: "node1", started: 1764435000.5, pid: 1234)
        try EndpointWriter.write(record, to: path)
        let data = try XCTUnwrap(FileManager.default.contents(atPath: path))
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        XCTAssertEqual(object["host"] as? String, "node1")
        XCTAssertEqual(object["port"] as? Int, 40123)
        XCTAssertEqual(object["node"] as? String, "node1")
        XCTAssertEqual(object["started"] as? Double, 1764435000.5)
        XCTAssertEqual(object["pid"] as? Int, 1234)
        XCTAssertEqual(try EndpointRecord.read(from: path), record)
        XCTAssertEqual(
            try FileManager.default.contentsOfDirectory(atPath: directory), ["endpoint.json"], "no temporary left")
        EndpointWriter.remove(path)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path))
    }

    func testWriteIntoMissingDirectoryFailsNamingIt() {
        XCTAssertThrowsError(
            try EndpointWriter.write(
                EndpointRecord(host: "h", port: 1, node: "n", started: 0, pid: 1), to: "/nonexistent/dir/endpoint.json")
        ) { error in
            XCTAssertTrue("\(error)".contains("/nonexistent/dir"), "\(error)")
        }
    }

    func testHostChoice() {
        let local = ["127.0.0.1", "::1", "fe80::1", "10.1.2.3", "192.168.0.4"]
        func host(_ bind: String, _ name: String, _ resolved: [String]) -> String {
            EndpointHost.host(bindAddress: bind, hostname: name, resolve: { _ in resolved }, localAddresses: local)
        }
        XCTAssertEqual(host("127.0.0.1", "node1", ["10.1.2.3"]), "127.0.0.1")
        XCTAssertEqual(host("192.168.0.4", "node1", ["10.1.2.3"]), "192.168.0.4")
        XCTAssertEqual(host("0.0.0.0", "node1", ["10.1.2.3"]), "node1")
        // Debian maps the host name to 127.0.1.1: not reachable from other nodes.
        XCTAssertEqual(host("0.0.0.0", "node1", ["127.0.1.1"]), "10.1.2.3")
        XCTAssertEqual(host("0.0.0.0", "node1", []), "10.1.2.3")
        XCTAssertEqual(
            EndpointHost.host(
                bindAddress: "0.0.0.0", hostname: "n", resolve: { _ in [] }, localAddresses: ["127.0.0.1"]),
            "127.0.0.1")
    }

}
