import XCTest

@testable import VMAllocator

final class SlurmCommandLineTests: XCTestCase {
    func testSallocPutsUserOptionsLastAndNamesTheJob() {
        let arguments = SlurmCommandLine.salloc(
            userOptions: ["-p", "big", "-c", "16"], launcher: ["/bin/pd", "internal", "launcher"])
        XCTAssertEqual(
            arguments,
            [
                "--comment=pcocc-docker", "--job-name=pcocc-docker", "-p", "big", "-c", "16", "--", "/bin/pd",
                "internal", "launcher",
            ])
    }

    func testAUserJobNameIsKept() {
        for option in [["-J", "mine"], ["--job-name=mine"], ["-Jmine"]] {
            XCTAssertFalse(
                SlurmCommandLine.sbatch(userOptions: option).contains("--job-name=pcocc-docker"), "\(option)")
        }
    }

    func testBatchScriptQuotesEveryArgument() {
        let script = SlurmCommandLine.batchScript(launcher: [
            "/opt/pd", "internal", "launcher", "-E", "docker run x; echo 'done'",
        ])
        XCTAssertEqual(
            script, "#!/bin/sh\nexec '/opt/pd' 'internal' 'launcher' '-E' 'docker run x; echo '\\''done'\\'''\n")
    }

    func testVMStepRunsOneTaskOnTheFirstNode() {
        let arguments = SlurmCommandLine.srunVM(jobID: "42", node: "node1", vmCommand: ["/bin/pd", "internal", "vm"])
        XCTAssertTrue(arguments.contains("--jobid=42"))
        XCTAssertTrue(arguments.contains("--nodelist=node1"))
        XCTAssertEqual(Array(arguments.suffix(4)), ["--", "/bin/pd", "internal", "vm"])
    }
}
