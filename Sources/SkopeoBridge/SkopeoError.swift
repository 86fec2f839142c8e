/// Errors of moving images with skopeo and the docker CLI.
public enum SkopeoError: Error, Sendable, CustomStringConvertible {
    case invalidReference(String)
    case skopeoMissing
    case dockerMissing
    case launchFailed(String)
    case copyFailed(tool: String, source: String, destination: String, status: Int32, errorTail: String)

    public var description: String {
        switch self {
        case .invalidReference(let text):
            return "'\(text)' is not a docker image reference: use NAME[:TAG] in lower case"
        case .skopeoMissing:
            return "skopeo not found in PATH: install the skopeo package"
        case .dockerMissing:
            return "docker not found in PATH: install the docker CLI (Debian: docker.io or docker-ce-cli)"
        case .launchFailed(let reason):
            return reason
        case .copyFailed(let tool, let source, let destination, let status, let errorTail):
            let detail = errorTail.split(separator: "\n").last.map { ": \($0)" } ?? ""
            return "copying \(source) to \(destination) failed (\(tool) exited with status \(status))\(detail)"
        }
    }
}
