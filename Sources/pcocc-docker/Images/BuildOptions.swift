import ArgumentParser
import Foundation

/// The options of `docker build` that `build` takes, and those after `--` passed on as they are.
struct BuildOptions: ParsableArguments {
    @Option(
        name: .shortAndLong,
        help:
            "The Dockerfile (default: DIR/Dockerfile); a relative path is from the current directory, as for docker build."
    )
    var file: String?
    @Option(
        name: .customLong("build-arg"),
        help: ArgumentHelp("A build-time variable (repeatable).", valueName: "NAME[=VALUE]"))
    var buildArguments: [String] = []
    @Option(help: "The build stage to build.") var target: String?
    @Flag(help: "Do not use the daemon's build cache.") var noCache = false
    @Flag(help: "Pull newer versions of the FROM images (needs the daemon to reach their registry).") var pull = false
    @Option(help: ArgumentHelp("A label of the image (repeatable).", valueName: "KEY=VALUE")) var label: [String] = []
    @Argument(parsing: .postTerminator, help: "docker build's other options, after '--'.") var dockerOptions: [String] =
        []

    /// `docker build`'s arguments building `context` under `tag`: ours first, then the passed-on ones, the context last.
    func dockerArguments(tag: String, context: String) -> [String] {
        var arguments = ["build", "-t", tag]
        if let file { arguments += ["-f", file] }
        arguments += buildArguments.flatMap { ["--build-arg", $0] }
        if let target { arguments += ["--target", target] }
        if noCache { arguments.append("--no-cache") }
        if pull { arguments.append("--pull") }
        arguments += label.flatMap { ["--label", $0] }
        return arguments + dockerOptions + [context]
    }

    /// The Dockerfile docker will read, or nil when it comes from standard input (`-f -`).
    func dockerfile(context: String) -> String? {
        guard let file else { return context + "/Dockerfile" }
        return file == "-" ? nil : file
    }
}
