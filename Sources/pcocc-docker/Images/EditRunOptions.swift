import ArgumentParser

/// The `docker run` options of `edit`'s container. They come before SRC: everything after DEST is the command.
struct EditRunOptions: ParsableArguments {
    @Option(
        name: [.customShort("v"), .long],
        help: ArgumentHelp("Bind mount a volume (repeatable).", valueName: "SRC:DEST[:OPTS]"))
    var volume: [String] = []
    @Option(
        name: [.customShort("e"), .long],
        help: ArgumentHelp("Set an environment variable (repeatable).", valueName: "NAME[=VALUE]"))
    var env: [String] = []
    @Option(help: ArgumentHelp("Attach a filesystem mount (repeatable).", valueName: "SPEC")) var mount: [String] = []
    @Option(help: "Connect the container to a network.") var network: String?
    @Option(
        name: .customLong("run-option"), parsing: .unconditionalSingleValue,
        help: ArgumentHelp(
            "Any other docker run option, one argument each (repeatable): --run-option=--privileged.", valueName: "OPT")
    )
    var runOptions: [String] = []

    /// Options that would break the edit: the container must stay, under our name, attached to the terminal.
    static let refused = ["--rm", "--name", "-d", "--detach"]

    mutating func validate() throws {
        for option in runOptions {
            let name = String(option.prefix { $0 != "=" })
            if Self.refused.contains(name) {
                throw ValidationError(
                    "--run-option \(option) cannot be used: edit names, keeps and attaches to its container")
            }
        }
    }

    /// The arguments between `docker run`'s own (-ti, --name) and the image.
    var dockerArguments: [String] {
        volume.flatMap { ["-v", $0] } + env.flatMap { ["-e", $0] } + mount.flatMap { ["--mount", $0] }
            + (network.map { ["--network", $0] } ?? []) + runOptions
    }
}
