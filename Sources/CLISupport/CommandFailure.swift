/// A run-time failure of a command: one line, no usage text (ValidationError is for bad arguments).
public struct CommandFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
