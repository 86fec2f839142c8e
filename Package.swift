// swift-tools-version: 6.2
import PackageDescription

// Versions are pinned to the copies available on the build machines (see README).
let package = Package(
    name: "pcocc-docker",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "pcocc-docker", targets: ["pcocc-docker"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", exact: "6.2.2"),
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
        .package(url: "https://github.com/apple/swift-certificates", exact: "1.21.1"),
        .package(url: "https://github.com/apple/swift-crypto", exact: "4.5.2"),
        .package(url: "https://github.com/apple/swift-asn1", exact: "1.7.4"),
        .package(url: "https://github.com/swiftlang/swift-subprocess", exact: "1.0.2"),
    ],
    targets: [
        // C libraries, reached only through VMAllocator.
        .systemLibrary(name: "CLibvirt", pkgConfig: "libvirt", providers: [.apt(["libvirt-dev"])]),
        .systemLibrary(name: "CSlurm", providers: [.apt(["libslurm-dev"])]),
        // libsquashfs (squashfs-tools-ng), reached only through ImageRepo's SquashfsWriter.
        .target(name: "CSquashfsWriter", linkerSettings: [.linkedLibrary("squashfs")]),

        .executableTarget(
            name: "pcocc-docker",
            dependencies: [
                "VMAllocator", "ImageRepo", "SkopeoBridge", "TLSCerts", "SiteConfig", "ChildProcess",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "VMAllocator",
            dependencies: [
                "CLibvirt", "CSlurm", "SiteConfig", "ChildProcess", "TLSCerts",
                .product(name: "Logging", package: "swift-log"),
            ],
            exclude: ["README.md"]
        ),
        .target(
            name: "ImageRepo",
            dependencies: [
                "ChildProcess", "CSquashfsWriter",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            exclude: ["README.md", "Conversion/README.md"]
        ),
        .target(name: "SkopeoBridge", dependencies: ["ChildProcess"], exclude: ["README.md"]),
        .target(
            name: "TLSCerts",
            dependencies: [
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ],
            exclude: ["README.md"]
        ),
        .target(name: "SiteConfig", dependencies: [.product(name: "Yams", package: "Yams")], exclude: ["README.md"]),
        .target(name: "ChildProcess", dependencies: [.product(name: "Subprocess", package: "swift-subprocess")], exclude: ["README.md"]),

        // The conversion's fuzz target (scripts/fuzz-conversion.sh); built normally, it replays inputs.
        .executableTarget(name: "ConversionFuzz", dependencies: ["ImageRepo"], path: "fuzz/ConversionFuzz"),

        .testTarget(name: "TLSCertsTests", dependencies: ["TLSCerts", "ChildProcess"]),
        .testTarget(name: "ImageRepoTests", dependencies: ["ImageRepo", "ChildProcess"]),
        .testTarget(name: "VMAllocatorTests", dependencies: ["VMAllocator", "SiteConfig"]),
        .testTarget(name: "SkopeoBridgeTests", dependencies: ["SkopeoBridge"]),
        .testTarget(name: "SiteConfigTests", dependencies: ["SiteConfig"]),
        // Needs the real services that scripts/test.sh starts: Slurm, libvirt/QEMU with the guest image.
        .testTarget(name: "SystemTests", dependencies: ["TLSCerts", "ImageRepo", "ChildProcess", "VMAllocator"]),
    ]
)
