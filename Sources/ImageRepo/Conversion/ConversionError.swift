import Foundation

/// Why an OCI image could not be turned into a squashfs.
public struct ConversionError: Error, Sendable, CustomStringConvertible {
    public enum Code: Sendable {
        /// The OCI layout (oci-layout, index.json, manifest, blobs) is missing or unreadable.
        case invalidLayout
        /// A layer uses a media type or a tar feature that the flattener does not handle.
        case unsupportedLayer
        /// A layer's tar stream is damaged.
        case malformedLayer
        /// A hard link points at a file that no layer provides.
        case brokenHardLink
        /// A helper (tar2sqfs, pigz, zstd) failed.
        case toolFailed
        /// Reading or writing a file failed.
        case io
        /// The task was cancelled.
        case cancelled
    }

    public let code: Code
    /// A full sentence naming the object at fault.
    public let message: String
    /// The underlying cause (a helper's last stderr lines, an errno text), when there is one.
    public let cause: String?

    public init(_ code: Code, _ message: String, cause: String? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    public var description: String {
        guard let cause, !cause.isEmpty else { return message }
        return "\(message): \(cause)"
    }

    static func errno(_ what: String, _ code: Int32 = Foundation.errno) -> ConversionError {
        ConversionError(.io, what, cause: String(cString: strerror(code)))
    }
}

/// What one conversion did, for progress lines and benchmarks.
public struct ConversionStats: Sendable, Equatable {
    /// Layers read.
    public var layers: Int
    /// Bytes of layer blobs read, as stored (compressed).
    public var bytesIn: Int64
    /// Entries written into the squashfs (root and added /etc files included).
    public var entries: Int
    /// Wall-clock seconds, from opening the layout to the renamed squashfs.
    public var seconds: Double

    public init(layers: Int = 0, bytesIn: Int64 = 0, entries: Int = 0, seconds: Double = 0) {
        self.layers = layers
        self.bytesIn = bytesIn
        self.entries = entries
        self.seconds = seconds
    }
}
