import ArgumentParser
import CLISupport
import ChildProcess
import Foundation
import HostSystem
import SiteConfig
import VMAllocator

/// `pcocc-docker doctor`: checks an installation the way a job uses it and says what to fix. The node's half
/// (guest image, KVM or TCG, libvirt session, QEMU) runs here, or on a compute node through srun with --node.
struct DoctorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check the installation: configuration, Slurm, docker CLI, guest image, libvirt, KVM.",
        discussion: """
            Without --node the node's checks run on this machine; with --node they run on a compute node in a short
            Slurm job (every option after --node goes to srun, e.g. --node -p big). Exits 1 when a check failed.
            """
    )

    @Flag(help: "Print the checks as JSON.")
    var json = false

    @Flag(help: "Run the node's checks on a compute node through srun (the options that follow go to srun).")
    var node = false

    @Argument(parsing: .allUnrecognized, help: "Options for srun, with --node.")
    var srunOptions: [String] = []

    func validate() throws {
        if !node && !srunOptions.isEmpty {
            throw ValidationError("unknown options \(srunOptions.joined(separator: " ")): srun options need --node")
        }
    }

    func run() async throws {
        var checks = [HealthCheck("pcocc-docker", .ok, ProgramVersion.current)]
        let loginChecks = LoginChecks()
        let configuration = loginChecks.configuration(&checks)
        await loginChecks.slurm(&checks)
        if let configuration { loginChecks.stateDirectory(configuration, &checks) }
        await loginChecks.dockerCLI(&checks)
        loginChecks.programs(&checks)
        checks += await nodeChecks()
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(checks), as: UTF8.self))
        } else {
            print(HealthCheck.table(checks), terminator: "")
        }
        if checks.contains(where: { $0.status == .failed }) { throw ExitCode(1) }
    }

    /// The node program's own report, run here or through srun.
    private func nodeChecks() async -> [HealthCheck] {
        let program = SelfExecutable.nodeProgram
        let (executable, arguments) =
            node
            ? (
                "srun",
                ["--quiet", "--nodes=1", "--ntasks=1", "--time=5", "--job-name=pcocc-docker-doctor"] + srunOptions
                    + [program, "check"]
            )
            : (program, ["check"])
        do {
            let result = try await ChildProcess.run(executable, arguments)
            guard result.status == 0,
                let checks = try? JSONDecoder().decode([HealthCheck].self, from: result.output)
            else {
                let tail =
                    result.errorTail.split(separator: "\n").last.map(String.init) ?? "exit status \(result.status)"
                return [
                    HealthCheck(
                        "node checks", .failed, "\(executable) failed: \(tail)",
                        hint: node
                            ? "check the srun options (partition, time) and that the node program is installed on the nodes"
                            : nil)
                ]
            }
            return checks
        } catch {
            return [
                HealthCheck(
                    "node checks", .failed, "\(error)",
                    hint: "install pcocc-docker-node in <prefix>/libexec/pcocc-docker")
            ]
        }
    }
}
