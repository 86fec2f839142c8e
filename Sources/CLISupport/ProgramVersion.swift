/// pcocc-docker's version, printed by `--version` and `doctor`; raise it with each release.
public enum ProgramVersion {
    public static let current = "0.3.0"
}
