import Foundation
import SiteConfig
import VMAllocator
import XCTest

@testable import DockerVM

final class GuestFilesTests: XCTestCase {
    func testConfigHoldsTheDaemonsSettingsAndSharesGetTags() throws {
        let mounts = [
            DockerMount(source: "/home/u"), DockerMount(source: "/scratch/u/run1", destination: "/scratch"),
            DockerMount(source: "/home/u"),
        ]
        let shares = try GuestConfig.shares(for: mounts)
        XCTAssertEqual(shares.map { $0.tag }, ["pcoccfs0", "pcoccfs1"])
        XCTAssertEqual(shares.map { $0.hostPath }, ["/home/u", "/scratch/u/run1"])
        XCTAssertEqual(shares.map { $0.guestPath }, ["/home/u", "/scratch"])
        XCTAssertEqual(GuestConfig(dockerIptables: false).contents, "iptables=false\nnetwork=nat\n")
        XCTAssertEqual(GuestConfig(dockerIptables: true, network: .none).contents, "iptables=true\nnetwork=none\n")
        XCTAssertEqual(
            GuestConfig(dockerIptables: false, persistentDataDisk: true).contents,
            "iptables=false\nnetwork=nat\ndata-disk=persistent\n")
    }

    func testConfigRefusesPathsThatWouldBreakItsLines() {
        XCTAssertThrowsError(try GuestConfig.shares(for: [DockerMount(source: "relative/dir")]))
        XCTAssertThrowsError(try GuestConfig.shares(for: [DockerMount(source: "/home/u\niptables=true")]))
        XCTAssertThrowsError(try GuestConfig.shares(for: [DockerMount(source: "/home/u", destination: "x")]))
    }

    func testMissingImageIsTheOneLineHint() {
        XCTAssertThrowsError(try GuestImage.load(directory: "/nonexistent/guest")) { error in
            XCTAssertEqual(
                "\(error)",
                "guest image not found at /nonexistent/guest: run scripts/build-guest-image.sh or set vm.image_dir in pcocc-docker.yaml"
            )
        }
    }

    func testImageManifestPathsAndConsole() throws {
        let directory = NSTemporaryDirectory() + "pcocc-image-\(getpid())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for name in ["vmlinuz", "initrd.img", "rootfs.qcow2"] {
            XCTAssertTrue(FileManager.default.createFile(atPath: "\(directory)/\(name)", contents: Data()))
        }
        let manifest =
            #"{"kernel":"vmlinuz","initrd":"initrd.img","disk":"rootfs.qcow2","cmdline":"quiet apparmor=0","recipe_hash":"ab"}"#
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
