import Foundation
import HostSystem

/// How to start a user's interactive shell so its prompt starts with `(pcocc/JOBID) ` while keeping
/// the user's own start-up files, for the shells HPC users run.
public struct DockerShell: Sendable {
    public let shellPath: String
    public let promptPrefix: String

    public init(shellPath: String, jobID: String) {
        self.shellPath = shellPath
        self.promptPrefix = "(pcocc/\(jobID)) "
    }

    /// The program, its arguments and extra environment. Start-up files go in `directory` (job-private, 0700).
    public func invocation(
        writingFilesIn directory: String, home: String
    ) throws -> (executable: String, arguments: [String], environment: [String: String]) {
        let kind = ShellKind.detect(fromPath: shellPath)
        switch (kind, URL(fileURLWithPath: shellPath).lastPathComponent) {
        case (.bash, _):
            let rcfile = "\(directory)/bashrc"
            try write(
                rcfile,
                """
                [ -f /etc/bash.bashrc ] && . /etc/bash.bashrc
                [ -f "$HOME/.bashrc" ] && . "$HOME/.bashrc"
                PS1=\(ShellExports.singleQuoted(promptPrefix))"$PS1"

                """)
            return (shellPath, ["--rcfile", rcfile, "-i"], [:])
        case (.zsh, _):
            // zsh reads its start-up files from ZDOTDIR: ours source the user's, then restore ZDOTDIR.
            let userDot = ProcessInfo.processInfo.environment["ZDOTDIR"] ?? home
            try write(
                "\(directory)/.zshenv",
                "[ -f \(ShellExports.singleQuoted(userDot))/.zshenv ] && . \(ShellExports.singleQuoted(userDot))/.zshenv\n"
            )
            try write(
                "\(directory)/.zshrc",
                """
                ZDOTDIR=\(ShellExports.singleQuoted(userDot))
                [ -f "$ZDOTDIR/.zshrc" ] && . "$ZDOTDIR/.zshrc"
                PROMPT=\(ShellExports.singleQuoted(promptPrefix))"$PROMPT"

                """)
            return (shellPath, ["-i"], ["ZDOTDIR": directory])
        case (.fish, _):
            let wrap =
                "functions -c fish_prompt __pcocc_user_prompt; function fish_prompt; printf '%s' \(ShellExports.singleQuoted(promptPrefix)); __pcocc_user_prompt; end"
            return (shellPath, ["-i", "--init-command", wrap], [:])
        case (.tcsh, _), (.csh, _):
            // tcsh has no rc-file option: ~/.tcshrc can use $PCOCC_PROMPT_PREFIX; `-i` keeps it interactive.
            return (shellPath, ["-i"], ["PCOCC_PROMPT_PREFIX": promptPrefix])
        default:
            // sh, dash, ksh and mksh take PS1 from the environment.
            let current = ProcessInfo.processInfo.environment["PS1"] ?? "$ "
            return (shellPath, ["-i"], ["PS1": promptPrefix + current])
        }
    }

    private func write(_ path: String, _ content: String) throws {
        try AtomicFile.write(content, to: path, mode: 0o600)
    }
}
