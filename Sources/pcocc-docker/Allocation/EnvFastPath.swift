import VMAllocator

/// The plain forms of `env`, the ones users put in their shell start-up (`env`, `-j ID`, `-J NAME`, `--shell S`,
/// `--unset`, `--json`), read without ArgumentParser. Its first parse in a process resolves the type metadata and
/// protocol conformances of every option wrapper: measured at 4.7 ms of the 14 ms of CPU `env -j` took, in a
/// command whose target is 15 ms. Anything else (help, a repeated or unknown option, a bad value) is left to
/// ArgumentParser, which owns the messages; CLITests check that both read every accepted form alike.
enum EnvFastPath {
    /// The request `arguments` (without the program name) make, or nil when ArgumentParser must read them.
    static func request(from arguments: [String]) -> EnvRequest? {
        guard arguments.first == EnvCommand.configuration.commandName else { return nil }
        var request = EnvRequest()
        var rest = arguments.dropFirst()
        while let argument = rest.popFirst() {
            switch argument {
            case "-j":
                guard request.job.jobID == nil, let value = value(&rest) else { return nil }
                request.job.jobID = value
            case "-J":
                guard request.job.jobName == nil, let value = value(&rest) else { return nil }
                request.job.jobName = value
            case "--shell":
                guard request.shell == nil, let value = value(&rest), let kind = ShellKind(rawValue: value) else {
                    return nil
                }
                request.shell = kind
            case "--unset":
                guard !request.unset else { return nil }
                request.unset = true
            case "--json":
                guard !request.json else { return nil }
                request.json = true
            default:
                return nil
            }
        }
        // Both selectors: ArgumentParser's validation says what is wrong.
        guard request.job.jobID == nil || request.job.jobName == nil else { return nil }
        return request
    }

    /// An option's value: the next argument, unless it looks like an option.
    private static func value(_ rest: inout ArraySlice<String>) -> String? {
        guard let next = rest.first, !next.hasPrefix("-"), !next.isEmpty else { return nil }
        return rest.popFirst()
    }
}
