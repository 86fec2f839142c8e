import ChildProcess
import Foundation
import ImageRepo

/// Two pcocc repositories made by root for the test user, as a site would share them: `site`, holding the image
/// `bbsite`, which users can only read; and `group`, writable by the user's group (setgid directories) but with a
/// lock file and a config that only root can write.
struct SharedRepositories {
    let root: String
    /// Every path of the site repository once made: an export from it must leave it so.
    let siteBefore: [String]

    init(_ system: SystemTestEnvironment, at root: String) async throws {
        self.root = root
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        chmod(root, 0o755)
        let site = try Repository(name: "site", path: root + "/site")
        let layout = try await system.makeBusyboxLayout()
        defer { try? FileManager.default.removeItem(atPath: layout) }
        let temporary = try site.makeTemporaryDirectory()
        try await ChildProcess.checked("cp", ["-a", layout, temporary.path + "/oci"])
        try site.storeOCILayout(at: temporary.path + "/oci", as: "bbsite", owner: "root")
        temporary.remove()

        let group = root + "/group"
        _ = try Repository(name: "group", path: group)
        _ = FileManager.default.createFile(
            atPath: group + "/.lock", contents: nil, attributes: [.posixPermissions: 0o644])
        guard let account = getpwnam(system.user) else { throw ImageRepoCauseForTests("no user \(system.user)") }
        try await ChildProcess.checked("chgrp", ["-R", String(account.pointee.pw_gid), group])
        try await ChildProcess.checked("find", [group, "-type", "d", "-exec", "chmod", "g+ws", "{}", "+"])
        siteBefore = try Self.contents(root + "/site")
    }

    func siteContents() throws -> [String] { try Self.contents(root + "/site") }

    private static func contents(_ path: String) throws -> [String] {
        try FileManager.default.subpathsOfDirectory(atPath: path).sorted()
    }
}
