import HostSystem
import XCTest

@testable import ImageRepo

final class RepositoryConfigurationTests: XCTestCase {
    func environment(_ scratch: Scratch) -> [String: String] {
        [
            "HOME": "\(scratch.path)/home", "PCOCC_USER_CONF_DIR": "\(scratch.path)/user-conf",
            "PCOCC_SYSTEM_CONF_DIR": "\(scratch.path)/system-conf", "SITE": "\(scratch.path)/site",
        ]
    }

    func write(_ text: String, to directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: "\(directory)/repos.yaml"))
    }

    func testDefaultsWithoutAnyReposYaml() throws {
        let scratch = try Scratch()
        let configuration = try RepositoryConfiguration.load(environment: environment(scratch))
        XCTAssertEqual(
            configuration.repositories, [.init(name: "user", path: "\(scratch.path)/home/.pcocc/images", file: nil)])
        XCTAssertEqual(configuration.cacheDirectory, "\(scratch.path)/home/.pcocc/cache")
        XCTAssertEqual(configuration.files, [])
    }

    func testUserRepositoriesComeFirstAndTemplatesExpand() throws {
        let scratch = try Scratch()
        try write(
            "repos:\n  - name: user\n    path: \"%{homedir}/.pcocc/images\"\ncache:\n    path: \"%homedir/cache\"\n",
            to: "\(scratch.path)/user-conf")
        try write(
            "repos:\n  - name: system\n    path: \"%{env:SITE}/images\"\n  - name: extra\n    path: ~/x\n",
            to: "\(scratch.path)/system-conf")
        let configuration = try RepositoryConfiguration.load(environment: environment(scratch))
        XCTAssertEqual(configuration.repositories.map(\.name), ["user", "system", "extra"])
        XCTAssertEqual(
            configuration.repositories.map(\.path),
            ["\(scratch.path)/home/.pcocc/images", "\(scratch.path)/site/images", "\(scratch.path)/home/x"])
        XCTAssertEqual(configuration.cacheDirectory, "\(scratch.path)/home/cache")
        XCTAssertEqual(configuration.repositories[1].file, "\(scratch.path)/system-conf/repos.yaml")

        try FileManager.default.createDirectory(
            atPath: "\(scratch.path)/home/.pcocc", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: "\(scratch.path)/site", withIntermediateDirectories: true)
        let repositories = try ImageRepositories(configuration: configuration)
        XCTAssertEqual(repositories.defaultRepository.name, "user")
        XCTAssertThrowsError(try repositories.find("img:tag")) { error in
            XCTAssertEqual((error as? ImageRepoError)?.code, .unknownRepository)
            XCTAssertTrue("\(error)".contains("NAME:TAG"), "\(error)")
        }
        XCTAssertThrowsError(try repositories.find("nothing")) { error in
            XCTAssertEqual("\(error)", "Object nothing not found in configured repositories (user, system, extra)")
        }
        XCTAssertThrowsError(try repositories.find("system:nothing@2")) { error in
            XCTAssertEqual("\(error)", "Object nothing revision 2 not found in repository system")
        }
    }

    func testFindSearchesInPriorityOrder() throws {
        let scratch = try Scratch()
        try write("repos:\n  - name: user\n    path: \(scratch.path)/u\n", to: "\(scratch.path)/user-conf")
        try write("repos:\n  - name: system\n    path: \(scratch.path)/s\n", to: "\(scratch.path)/system-conf")
        let repositories = try ImageRepositories(
            configuration: RepositoryConfiguration.load(environment: environment(scratch)))
        for repository in repositories.repositories.reversed() {
            let temporary = try repository.makeTemporaryDirectory()
            let layout = try HandMadeLayout.write(at: "\(temporary.path)/oci", layers: [Data(repository.name.utf8)])
            try repository.storeOCILayout(at: layout.directory, as: "app", owner: "a", force: false, description: nil)
        }
        XCTAssertEqual(try repositories.find("app").repositoryName, "user")
        XCTAssertEqual(try repositories.find("system:app").repositoryName, "system")
        XCTAssertEqual(try repositories.list().map(\.reference), ["user:app@0", "system:app@0"])
        XCTAssertEqual(
            repositories.otherRepositories(holding: "app", besides: repositories.defaultRepository).map(\.name),
            ["system"])
    }

    func testErrorsNameFileAndKey() throws {
        let cases: [(String, String)] = [
            ("repos: []\nimages: x\n", "images"),
            ("repos:\n  - name: a\n    path: /x\n    kind: y\n", "repos[0].kind"),
            ("cache:\n  path: /c\n", "repos"),
            ("repos:\n  - name: a\n", "repos[0].path"),
            ("repos:\n  - name: a\n    path: /x\n  - name: a\n    path: /y\n", "duplicate repository 'a'"),
            ("repos: {a: b}\n", "repos"),
            ("repos:\n  - name: a\n    path: [1]\n", "repos[0].path"),
            ("cache:\n  path: /c\n  size: 3\nrepos: []\n", "cache.size"),
            ("[1, 2]\n", "top level"),
        ]
        for (text, key) in cases {
            let scratch = try Scratch()
            try write(text, to: "\(scratch.path)/system-conf")
            XCTAssertThrowsError(try RepositoryConfiguration.load(environment: environment(scratch)), text) { error in
                XCTAssertEqual((error as? ImageRepoError)?.code, .badConfiguration)
                XCTAssertTrue("\(error)".contains("\(scratch.path)/system-conf/repos.yaml"), "\(error)")
                XCTAssertTrue("\(error)".contains(key), "\(error) should name \(key)")
            }
        }
    }

    func testOnlyOneCache() throws {
        let scratch = try Scratch()
        try write("repos: []\ncache:\n  path: /a\n", to: "\(scratch.path)/user-conf")
        try write("repos: []\ncache:\n  path: /b\n", to: "\(scratch.path)/system-conf")
        XCTAssertThrowsError(try RepositoryConfiguration.load(environment: environment(scratch))) { error in
            XCTAssertTrue("\(error)".contains("single cache"), "\(error)")
        }
    }

    func testPathTemplateFollowsPythonSafeSubstitute() {
        let template = PathTemplate(environment: ["HOME": "/home/al/", "V": "v"])
        XCTAssertEqual(template.resolve("%{homedir}/a"), "/home/al/a")
        XCTAssertEqual(template.resolve("%{env:V}/%{env:UNSET}/%unknown/%%/%"), "v/%{env:UNSET}/%unknown/%/%")
        XCTAssertEqual(template.resolve("~/x"), "/home/al/x")
    }
}
