import Foundation

/// The guest image built by scripts/build-guest-image.sh, as described by its image.json.
public struct GuestImage: Sendable, Equatable {
    /// The resolved directory (not the `current` symlink, so a rebuild during the job
    /// cannot swap the backing file under our overlay).
    public let directory: String
    public let kernelPath: String
    public let initrdPath: String
    public let diskPath: String
    public let commandLine: String

    private struct Manifest: Decodable {
        var kernel: String
        var initrd: String
        var disk: String
        var cmdline: String
    }

    public static func load(directory: String) throws(VMError) -> GuestImage {
        let manifestPath = "\(directory)/image.json"
        let hint = "run scripts/build-guest-image.sh or set vm.image_dir in pcocc-docker.yaml"
        guard let data = FileManager.default.contents(atPath: manifestPath) else {
            throw VMError(.guestImageMissing, "guest image not found at \(directory): \(hint)")
        }
        let manifest: Manifest
        do {
            manifest = try JSONDecoder().decode(Manifest.self, from: data)
        } catch {
            throw VMError(.guestImageInvalid, "guest image manifest \(manifestPath) is not valid: \(error)")
        }
        let resolved = URL(fileURLWithPath: directory).resolvingSymlinksInPath().path
        let image = GuestImage(
            directory: resolved,
            kernelPath: Self.path(manifest.kernel, in: resolved),
            initrdPath: Self.path(manifest.initrd, in: resolved),
            diskPath: Self.path(manifest.disk, in: resolved),
            commandLine: manifest.cmdline)
        for file in [image.kernelPath, image.initrdPath, image.diskPath]
        where !FileManager.default.isReadableFile(atPath: file) {
            throw VMError(.guestImageMissing, "guest image file \(file) is missing or unreadable: \(hint)")
        }
        return image
    }

    /// The kernel command line for the VM: the image's own, plus the serial console that
    /// feeds docker/console.log.
    public var vmCommandLine: String {
        let words = commandLine.split(separator: " ")
        return words.contains("console=ttyS0") ? commandLine : "\(commandLine) console=ttyS0"
    }

    private static func path(_ name: String, in directory: String) -> String {
        name.hasPrefix("/") ? name : "\(directory)/\(name)"
    }
}
