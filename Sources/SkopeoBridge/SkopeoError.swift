/// Errors of moving images with skopeo.
public enum SkopeoError: Error, Sendable, CustomStringConvertible {
    case invalidReference(String)
    case skopeoMissing
    case launchFailed(String)
    case copyFailed(source: String, destination: String, status: Int32, errorTail: String)

    public var description: String {
        switch self {
        case .invalidReference(let text):
            return "'\(text)' is not a docker image reference: use NAME[:TAG] in lower case"
        case .skopeoMissing:
            return "skopeo not found in PATH: install the skopeo package"
        case .launchFailed(let reason):
            return reason
        case .copyFailed(let source, let destination, let status, let errorTail):
            let detail = errorTail.split(separator: "\n").last.map { ": \($0)" } ?? ""
            return "copying \(source) to \(destination) failed (skopeo exited with status \(status))\(detail)"
        }
    }
}
