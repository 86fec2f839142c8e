/// A run-time failure of a command: one line, no usage text (ValidationError is for bad arguments).
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
