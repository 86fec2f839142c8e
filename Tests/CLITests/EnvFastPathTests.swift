import ArgumentParser
import XCTest

@testable import pcocc_docker

/// `env`'s fast path reads exactly what ArgumentParser reads, and leaves it everything else.
final class EnvFastPathTests: XCTestCase {
    /// ArgumentParser's reading of `arguments`, as the fast path's type; nil when it refuses them.
    private func parsed(_ arguments: [String]) -> EnvRequest? {
        (try? PcoccDocker.parseAsRoot(arguments) as? EnvCommand)?.request
    }

    func testEveryFormItTakesReadsAsArgumentParserReadsIt() throws {
        let forms: [[String]] = [
            ["env"], ["env", "-j", "42"], ["env", "-J", "build"], ["env", "--unset"], ["env", "--json"],
            ["env", "-j", "42", "--shell", "fish"], ["env", "--shell", "tcsh", "-J", "my job"],
            ["env", "--json", "-j", "7", "--unset"], ["env", "--shell", "powershell"],
        ]
        for arguments in forms {
            let fast = try XCTUnwrap(EnvFastPath.request(from: arguments), "\(arguments)")
            XCTAssertEqual(fast, parsed(arguments), "\(arguments)")
        }
        XCTAssertEqual(
            EnvFastPath.request(from: ["env", "-j", "42", "--shell", "zsh"]),
            EnvRequest(job: JobLookup(jobID: "42"), shell: .zsh))
    }

    func testAnythingElseIsLeftToArgumentParser() {
        let others: [[String]] = [
            [], ["ps"], ["env", "--help"], ["env", "-h"], ["env", "-j"], ["env", "-j", "--json"], ["env", "-j", ""],
            ["env", "-j", "1", "-j", "2"], ["env", "-j", "1", "-J", "x"], ["env", "--shell", "cmd"],
            ["env", "--shell=bash"], ["env", "-j42"], ["env", "--unset", "--unset"], ["env", "extra"],
            ["env", "--", "-j"], ["--version"], ["help", "env"],
        ]
        for arguments in others {
            XCTAssertNil(EnvFastPath.request(from: arguments), "\(arguments)")
        }
    }
}
