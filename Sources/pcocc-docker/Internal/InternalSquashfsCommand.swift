import ArgumentParser
import CLISupport
import Foundation
import ImageRepo

/// Builds the squashfs of an image in an OCI layout, as import does; for benchmarks and for regenerating a cache entry.
struct InternalSquashfsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "squashfs", abstract: "Flatten an OCI layout's image into a squashfs (zstd), streaming.")

    @Option(help: "The OCI layout directory (oci-layout, index.json, blobs/).")
    var layout: String

    @Option(help: "The manifest digest to convert (default: the only manifest of index.json).")
    var manifest: String?

    @Option(help: "The squashfs to write; it appears only once complete.")
    var output: String

    @Flag(help: "Print the conversion's figures on standard output.")
    var stats = false

    func validate() throws {
        guard FileManager.default.fileExists(atPath: layout + "/index.json") else {
            throw ValidationError("--layout must be an OCI layout directory: \(layout)/index.json does not exist.")
        }
    }

    func run() async throws {
        do {
            let figures = try await SquashfsBuilder.build(layout: layout, manifestDigest: manifest, output: output)
            if stats {
                print(
                    "layers \(figures.layers) bytes_in \(figures.bytesIn) entries \(figures.entries) seconds "
                        + String(format: "%.2f", figures.seconds))
            }
        } catch {
            throw CommandFailure("\(error)")
        }
    }
}
