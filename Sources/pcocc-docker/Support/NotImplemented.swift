import ArgumentParser

/// Thrown by commands that are not built yet, so users get a plain answer and a non-zero exit.
struct NotImplemented: Error, CustomStringConvertible {
    let command: String
    var description: String { "'pcocc-docker \(command)' is not implemented yet in this version" }
}

/// A run-time failure of a command: one line, no usage text (ValidationError is for bad arguments).
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
