import Foundation
import XCTest

@testable import VMAllocator

final class GuestFilesTests: XCTestCase {
    func testConfigListsMountsThenIptablesAndNetwork() throws {
        let shares = try GuestConfig.shares(for: ["/home/u", "/scratch/u", "/home/u"])
        XCTAssertEqual(shares.map(\.tag), ["pcoccfs0", "pcoccfs1"])
        let config = GuestConfig(shares: shares, dockerIptables: false)
        XCTAssertEqual(config.contents, "mount=pcoccfs0:/home/u\nmount=pcoccfs1:/scratch/u\niptables=false\nnetwork=nat\n")
        XCTAssertEqual(
            GuestConfig(shares: [], dockerIptables: true, network: .none).contents, "iptables=true\nnetwork=none\n")
    }

    func testConfigCarriesTheDaemonOptionsInTheContractOrder() throws {
        let daemon = try GuestDaemonOptions(
            registryMirrors: ["http://10.0.2.2:5000", "https://mirror.example.org/docker/"],
            insecureRegistries: ["10.0.2.2:5000", "10.1.0.0/16"], dnsServers: ["10.0.2.3", "fd00::53"],
            httpProxy: "http://proxy.example.org:3128", httpsProxy: "", noProxy: "localhost,10.0.2.2,.example.org")
        XCTAssertNil(daemon.httpsProxy, "an empty proxy is no proxy")
        XCTAssertEqual(
            GuestConfig(shares: [], dockerIptables: false, network: .nat, daemon: daemon).contents,
            """
            iptables=false
            network=nat
            registry-mirror=http://10.0.2.2:5000
            registry-mirror=https://mirror.example.org/docker/
            insecure-registry=10.0.2.2:5000
            insecure-registry=10.1.0.0/16
            dns=10.0.2.3
            dns=fd00::53
            http-proxy=http://proxy.example.org:3128
            no-proxy=localhost,10.0.2.2,.example.org

            """)
    }

    func testConfigRefusesPathsThatWouldBreakItsLines() {
        XCTAssertThrowsError(try GuestConfig.shares(for: ["relative/dir"]))
        XCTAssertThrowsError(try GuestConfig.shares(for: ["/home/u\niptables=true"]))
    }

    func testMissingImageIsTheOneLineHint() {
        XCTAssertThrowsError(try GuestImage.load(directory: "/nonexistent/guest")) { error in
            XCTAssertEqual(
                "\(error)",
                "guest image not found at /nonexistent/guest: run scripts/build-guest-image.sh or set vm.image_dir in containers.yaml")
        }
    }

    func testImageManifestPathsAndConsole() throws {
        let directory = NSTemporaryDirectory() + "pcocc-image-\(getpid())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for name in ["vmlinuz", "initrd.img", "rootfs.qcow2"] {
            XCTAssertTrue(FileManager.default.createFile(atPath: "\(directory)/\(name)", contents: Data()))
        }
        let manifest = #"{"kernel":"vmlinuz","initrd":"initrd.img","disk":"rootfs.qcow2","cmdline":"quiet apparmor=0","recipe_hash":"ab"}"#
        try manifest.write(toFile: "\(directory)/image.json", atomically: true, encoding: .utf8)
        let image = try GuestImage.load(directory: directory)
        XCTAssertTrue(image.kernelPath.hasSuffix("/vmlinuz"))
        XCTAssertTrue(image.diskPath.hasPrefix("/"))
        XCTAssertEqual(image.vmCommandLine, "quiet apparmor=0 console=ttyS0")
    }

    func testConsoleTailDropsControlCharacters() throws {
        let path = NSTemporaryDirectory() + "pcocc-console-\(getpid()).log"
        defer { unlink(path) }
        let lines = (1...30).map { "line \($0)\r" }.joined(separator: "\n") + "\n\u{1B}[36mINFO\u{1B}[0m last\r\n"
        try lines.write(toFile: path, atomically: true, encoding: .utf8)
        let tail = ConsoleLog(path: path).tail(20)
        XCTAssertEqual(tail.count, 20)
        XCTAssertEqual(tail.first, "line 12")
        XCTAssertEqual(tail.last, "INFO last")
        XCTAssertEqual(ConsoleLog(path: "/nonexistent").tail(), [])
    }
}
