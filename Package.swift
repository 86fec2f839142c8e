// swift-tools-version: 6.2
import PackageDescription

// Versions are pinned to the copies available on the build machines (see README).
let package = Package(
    name: "pcocc-docker",
    platforms: [.macOS(.v15)],
    products: [
        // The login side: every user command; never loads libvirt.
        .executable(name: "pcocc-docker", targets: ["pcocc-docker"]),
        // The node side, run by Slurm inside the job: the launcher and the VM step.
        .executable(name: "pcocc-docker-node", targets: ["pcocc-docker-node"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", exact: "6.2.2"),
        .package(url: "https://github.com/apple/swift-certificates", exact: "1.21.1"),
        .package(url: "https://github.com/apple/swift-crypto", exact: "4.5.2"),
        .package(url: "https://github.com/apple/swift-asn1", exact: "1.7.4"),
        .package(url: "https://github.com/swiftlang/swift-subprocess", exact: "1.0.2"),
        .package(url: "https://github.com/apple/swift-system", exact: "1.8.1"),
    ],
    targets: [
        // C libraries: libslurm only through VMAllocator, libvirt only through DockerVM.
        .systemLibrary(name: "CLibvirt", pkgConfig: "libvirt", providers: [.apt(["libvirt-dev"])]),
        .systemLibrary(name: "CSlurm", providers: [.apt(["libslurm-dev"])]),
        // libsquashfs (squashfs-tools-ng), reached only through ImageRepo's SquashfsWriter.
        .target(name: "CSquashfsWriter", linkerSettings: [.linkedLibrary("squashfs")]),
        // zlib and libzstd, reading layer blobs on a thread beside the flattener (ImageRepo's LayerStream).
        .target(name: "CLayerDecompressor", linkerSettings: [.linkedLibrary("z"), .linkedLibrary("zstd")]),
        .target(name: "CHostSystem"),

        .executableTarget(
            name: "pcocc-docker",
            dependencies: [
                "CLISupport", "VMAllocator", "ImageRepo", "SkopeoBridge", "SiteConfig", "ChildProcess", "HostSystem",
                "DockerClient", .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "pcocc-docker-node",
            dependencies: [
                "CLISupport", "DockerVM", "VMAllocator", "TLSCerts", "SiteConfig", "ChildProcess", "HostSystem",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .target(
            name: "CLISupport",
            dependencies: ["HostSystem", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            exclude: ["README.md"]
        ),
        .target(
            name: "VMAllocator",
            dependencies: ["CSlurm", "SiteConfig", "ChildProcess", "TLSCerts", "HostSystem", "DockerClient"],
            exclude: ["README.md"]
        ),
        .target(
            name: "DockerVM",
            dependencies: [
                "CLibvirt", "VMAllocator", "SiteConfig", "ChildProcess", "HostSystem", "DockerClient",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            exclude: ["README.md"]
        ),
        .target(
            name: "ImageRepo",
            dependencies: [
                "ChildProcess", "CSquashfsWriter", "CLayerDecompressor", "HostSystem",
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            exclude: ["README.md", "Conversion/README.md"]
        ),
        .target(
            name: "SkopeoBridge", dependencies: ["ChildProcess", "DockerClient", "HostSystem"], exclude: ["README.md"]),
        .target(
            name: "DockerClient",
            dependencies: ["ChildProcess", "HostSystem", .product(name: "Crypto", package: "swift-crypto")],
            exclude: ["README.md"]
        ),
        .target(
            name: "TLSCerts",
            dependencies: [
                "HostSystem",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ],
            exclude: ["README.md"]
        ),
        .target(
            name: "SiteConfig", dependencies: ["HostSystem", .product(name: "Yams", package: "Yams")],
            exclude: ["README.md"]
        ),
        .target(
            name: "ChildProcess",
            dependencies: [
                "HostSystem", .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            exclude: ["README.md"]
        ),
        // What every part needs from the operating system (files, users, host addresses, threads, signals).
        .target(
            name: "HostSystem",
            dependencies: ["CHostSystem", .product(name: "SystemPackage", package: "swift-system")],
            exclude: ["README.md"]
        ),

        // The conversion's fuzz target (scripts/fuzz-conversion.sh); built normally, it replays inputs.
        .executableTarget(name: "ConversionFuzz", dependencies: ["ImageRepo"], path: "fuzz/ConversionFuzz"),

        .testTarget(name: "HostSystemTests", dependencies: ["HostSystem"]),
        .testTarget(name: "TLSCertsTests", dependencies: ["TLSCerts", "ChildProcess"]),
        .testTarget(name: "ImageRepoTests", dependencies: ["ImageRepo", "ChildProcess", "HostSystem"]),
        .testTarget(name: "VMAllocatorTests", dependencies: ["VMAllocator", "SiteConfig", "HostSystem"]),
        .testTarget(name: "DockerVMTests", dependencies: ["DockerVM", "VMAllocator", "SiteConfig", "ChildProcess"]),
        .testTarget(name: "SkopeoBridgeTests", dependencies: ["SkopeoBridge", "DockerClient"]),
        .testTarget(name: "SiteConfigTests", dependencies: ["SiteConfig"]),
        .testTarget(name: "CLITests", dependencies: ["pcocc-docker", "pcocc-docker-node", "CLISupport"]),
        // Needs the real services that scripts/test.sh starts: Slurm, libvirt/QEMU with the guest image.
        .testTarget(
            name: "SystemTests", dependencies: ["TLSCerts", "ImageRepo", "ChildProcess", "VMAllocator", "DockerVM"]),
    ]
)
