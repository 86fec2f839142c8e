import CLISupport
import ChildProcess
import Foundation
import HostSystem
import SiteConfig
import VMAllocator

/// The login side's checks of `doctor`: what `alloc`, `env` and the image commands need here.
struct LoginChecks {
    func configuration(_ checks: inout [HealthCheck]) -> SiteConfiguration? {
        do {
            let configuration = try SiteConfiguration.loadedForProcess()
            let files = configuration.files.isEmpty ? "built-in defaults" : configuration.files.joined(separator: ", ")
            checks.append(HealthCheck("configuration", .ok, files))
            return configuration
        } catch {
            checks.append(HealthCheck("configuration", .failed, "\(error)", hint: "fix the file and key named"))
            return nil
        }
    }

    func slurm(_ checks: inout [HealthCheck]) async {
        do {
            let scheduler = try SlurmScheduler()
            _ = try await scheduler.jobs(ofUser: getuid())
            checks.append(HealthCheck("slurm", .ok, "slurmctld answers (\(scheduler.configuration))"))
        } catch {
            checks.append(
                HealthCheck(
                    "slurm", .failed, "\(error)",
                    hint: "set SLURM_CONF, check that slurmctld runs and munge works (munge -n | unmunge)"))
        }
    }

    func stateDirectory(_ configuration: SiteConfiguration, _ checks: inout [HealthCheck]) {
        do {
            try TrustedPath.check(configuration.stateDirectory)
            checks.append(HealthCheck("state directory", .ok, configuration.stateDirectory))
        } catch {
            checks.append(HealthCheck("state directory", .failed, "\(error)", hint: "state_dir in pcocc-docker.yaml"))
        }
    }

    func dockerCLI(_ checks: inout [HealthCheck]) async {
        guard let docker = ChildProcess.which("docker") else {
            checks.append(
                HealthCheck(
                    "docker CLI", .failed, "docker is not on PATH",
                    hint:
                        "install a docker CLI (Debian: docker.io or docker-cli), or set runtime.docker_path in containers.yaml"
                ))
            return
        }
        let version = try? await ChildProcess.run(docker, ["--version"])
        let text = version?.outputString.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        checks.append(
            HealthCheck("docker CLI", text.isEmpty ? .warning : .ok, text.isEmpty ? docker : "\(text) (\(docker))"))
    }

    func programs(_ checks: inout [HealthCheck]) {
        let node = SelfExecutable.nodeProgram
        checks.append(
            HealthCheck(
                "node program", FileManager.default.isExecutableFile(atPath: node) ? .ok : .failed, node,
                hint: "install pcocc-docker-node in <prefix>/libexec/pcocc-docker (scripts/setup.sh does)"))
        for tool in ["skopeo", "salloc", "sbatch", "srun"] {
            let path = ChildProcess.which(tool)
            checks.append(
                HealthCheck(
                    tool, path == nil ? .failed : .ok, path ?? "not on PATH",
                    hint: tool == "skopeo"
                        ? "install skopeo (export, import, edit, build need it)" : "install the Slurm client commands"))
        }
    }
}
