import ArgumentParser
import CLISupport
import Foundation
import ImageRepo
import SiteConfig

/// Converts an image of an OCI layout as import does (the cache entry pcocc runs, by default a squashfs in pcocc's
/// own format), or into its plain root file system with the layers' owners (differential tests); for benchmarks and
/// tests.
struct InternalSquashfsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "squashfs",
        abstract: "Flatten an OCI layout's image into a squashfs (or a bundle directory), streaming.")

    @Option(help: "The OCI layout directory (oci-layout, index.json, blobs/).")
    var layout: String

    @Option(help: "The manifest digest to convert (default: the only manifest of index.json).")
    var manifest: String?

    @Option(
        help:
            "The squashfs (or, with --driver flat, the directory) to write; it must not exist, and appears only once complete."
    )
    var output: String

    @Option(help: "squashfs: a squashfs file; flat: an extracted bundle directory (pcocc's runtime.image_driver).")
    var driver: String = "squashfs"

    @Option(help: "The squashfs compression: none (pcocc's), gzip[:LEVEL] or zstd[:LEVEL].")
    var compression: String = "none"

    @Option(
        name: .customLong("mount-point"),
        help: "A path to create in rootfs/ when missing (pcocc's runtime.image_mountpoints); repeatable.")
    var mountPoints: [String] = []

    @Flag(help: "Keep the layers' owners (pcocc's cache entry makes every file root's).")
    var keepOwners = false

    @Flag(help: "Write the root file system alone at the top: no config.json, no rootfs/, no mount points.")
    var rootfsOnly = false

    @Flag(help: "Print the conversion's figures on standard output.")
    var stats = false

    func validate() throws {
        guard FileManager.default.fileExists(atPath: layout + "/index.json") else {
            throw ValidationError("--layout must be an OCI layout directory: \(layout)/index.json does not exist.")
        }
        guard CacheEntryFormat.Driver(rawValue: driver) != nil else {
            throw ValidationError("--driver must be squashfs or flat, not '\(driver)'.")
        }
        if rootfsOnly && !mountPoints.isEmpty {
            throw ValidationError("--mount-point needs a bundle: it cannot go with --rootfs-only.")
        }
        guard SquashfsCompressionSetting(parsing: compression) != nil else {
            throw ValidationError("--compression must be \(SquashfsCompressionSetting.accepted), not '\(compression)'.")
        }
    }

    func run() async throws {
        do {
            let compression = SquashfsCompressionSetting(parsing: compression).map(SquashfsCompression.init) ?? .stored
            let image = try OCILayout(directory: layout, manifestDigest: manifest)
            var shape = OutputShape.pcoccBundle(mountPoints: mountPoints)
            if rootfsOnly { shape.bundle = nil }
            shape.squashOwners = !keepOwners
            let figures: ConversionStats
            if driver == CacheEntryFormat.Driver.flat.rawValue {
                figures = try await BundleDirectoryBuilder.build(image, output: output, shape: shape)
            } else {
                figures = try await SquashfsBuilder.build(image, output: output, shape: shape, compression: compression)
            }
            if stats {
                print(
                    "layers \(figures.layers) bytes_in \(figures.bytesIn) entries \(figures.entries) skipped \(figures.skipped) seconds "
                        + String(format: "%.2f", figures.seconds))
            }
        } catch {
            throw CommandFailure("\(error)")
        }
    }
}
