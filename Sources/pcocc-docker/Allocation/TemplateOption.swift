import ArgumentParser

/// `-t TEMPLATE` as in pcocc: the VM template. pcocc-docker has one, the docker VM of containers.yaml.
struct TemplateOption: ParsableArguments {
    @Option(
        name: .customShort("t"),
        help: ArgumentHelp("VM template (only 'docker'); use --time for Slurm's time limit.", valueName: "template"))
    var template: String = "docker"

    func validate() throws {
        guard template == "docker" else {
            throw ValidationError(
                "unknown VM template '\(template)': pcocc-docker has only 'docker' (Slurm's time limit is --time)")
        }
    }
}
