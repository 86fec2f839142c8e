import XCTest

@testable import ImageRepo

final class ImageNameTests: XCTestCase {
    func testPlainName() throws {
        let name = try ImageName(parsing: "busybox")
        XCTAssertNil(name.repository)
        XCTAssertEqual(name.name, "busybox")
        XCTAssertNil(name.revision)
    }

    func testRepositoryAndRevision() throws {
        let name = try ImageName(parsing: "user:my_image-1.0@3")
        XCTAssertEqual(name.repository, "user")
        XCTAssertEqual(name.name, "my_image-1.0")
        XCTAssertEqual(name.revision, 3)
        XCTAssertEqual(name.description, "user:my_image-1.0@3")
    }

    func testBadRevisionIsReportedLikePcocc() {
        XCTAssertThrowsError(try ImageName(parsing: "busybox@latest")) { error in
            XCTAssertEqual((error as? ImageRepoError)?.code, .badRevision)
            XCTAssertTrue("\(error)".hasPrefix("Bad revision: latest"), "\(error)")
        }
    }

    func testSplitsOnTheLastAt() {
        // pcocc splits on the last '@': "a@b" is then the name, which the name rule refuses.
        XCTAssertThrowsError(try ImageName(parsing: "a@b@2")) { error in
            XCTAssertEqual((error as? ImageRepoError)?.code, .badName)
        }
    }

    func testDockerTagParsesAsRepository() throws {
        let name = try ImageName(parsing: "img:tag")
        XCTAssertEqual(name.repository, "img")
        XCTAssertEqual(name.name, "tag")
    }

    func testEmptyRepositoryMeansNone() throws {
        XCTAssertNil(try ImageName(parsing: ":busybox").repository)
    }

    func testRefusedNames() {
        for text in ["", "bad/name", "a:b:c", "sp ace", "é", "user:", "x@"] {
            XCTAssertThrowsError(try ImageName(parsing: text), text)
        }
    }
}
