import HostSystem
import XCTest

final class PathTemplateTests: XCTestCase {
    let template = PathTemplate(environment: ["HOME": "/home/al/", "V": "v"])

    func testUnresolvedPlaceholdersAreNamed() {
        XCTAssertNil(template.unresolved("%{homedir}/x/%{env:V}"))
        XCTAssertEqual(template.unresolved("%{env:NOPE}/x"), "%{env:NOPE}: environment variable NOPE is not set")
        XCTAssertEqual(
            template.unresolved("%{home}/x"), "unknown placeholder %{home} (known: %{homedir}, %{user}, %{env:VAR})")
        XCTAssertEqual(template.unresolved("%{homedir"), "unterminated placeholder in \"%{homedir\"")
        XCTAssertEqual(template.resolve("%{env:NOPE}/x"), "%{env:NOPE}/x", "pcocc leaves it as written")
    }
}
