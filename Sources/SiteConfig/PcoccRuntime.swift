/// The `runtime` section of pcocc's containers.yaml: pcocc's options for containers, with pcocc's defaults and
/// meanings. pcocc-docker reads the same files as pcocc and never needs a key pcocc would reject.
public struct PcoccRuntime: Sendable, Equatable {
    /// `default_registry`: the registry that replaces Docker Hub for unqualified image names.
    public var defaultRegistry: String?
    /// `insecure_registries`: registries the daemon may reach over plain HTTP or unverified TLS (HOST[:PORT], CIDR).
    public var insecureRegistries: [String]
    /// `tmp_mem_path`, `tmp_mem_limit`: pcocc's in-memory work space for `pcocc run` (read, not used here).
    public var tmpMemPath: String
    public var tmpMemLimit: Int
    /// `image_driver`: the cache entry pcocc runs images from.
    public var imageDriver: ImageDriver
    /// `image_mountpoints`: files (or directories, with a trailing "/") created in every cached rootfs.
    public var imageMountpoints: [String]
    /// `docker_path`: a directory `env` puts first in PATH (the site's docker CLI).
    public var dockerPath: String?
    /// `docker_resolve_address`: DOCKER_HOST names the node by IP address instead of by name.
    public var dockerResolveAddress: Bool
    /// `docker_template`: pcocc's VM template for its docker VMs (pcocc-docker has its own guest; kept for pcocc).
    public var dockerTemplate: String?
    /// `docker_mounts`: host directories shared with the docker VM; nil when no file sets it.
    public var dockerMounts: [DockerMount]?

    public init(
        defaultRegistry: String? = nil, insecureRegistries: [String] = [], tmpMemPath: String = "/dev/shm",
        tmpMemLimit: Int = 250, imageDriver: ImageDriver = .flat, imageMountpoints: [String] = [],
        dockerPath: String? = nil, dockerResolveAddress: Bool = false, dockerTemplate: String? = nil,
        dockerMounts: [DockerMount]? = nil
    ) {
        self.defaultRegistry = defaultRegistry
        self.insecureRegistries = insecureRegistries
        self.tmpMemPath = tmpMemPath
        self.tmpMemLimit = tmpMemLimit
        self.imageDriver = imageDriver
        self.imageMountpoints = imageMountpoints
        self.dockerPath = dockerPath
        self.dockerResolveAddress = dockerResolveAddress
        self.dockerTemplate = dockerTemplate
        self.dockerMounts = dockerMounts
    }

    /// pcocc's own defaults (ContainerRuntimeConfig).
    public static let defaults = PcoccRuntime()
}

/// pcocc's cache entry kinds: an extracted bundle directory, or a squashfs of the bundle.
public enum ImageDriver: String, Sendable, Equatable, CaseIterable {
    case flat, squashfs
}

/// A host directory shared with the docker VM, seen at `destination` inside it (pcocc: `dest` defaults to `source`).
public struct DockerMount: Sendable, Equatable {
    public var source: String
    public var destination: String

    public init(source: String, destination: String? = nil) {
        self.source = source
        self.destination = destination ?? source
    }
}
