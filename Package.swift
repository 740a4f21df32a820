// swift-tools-version: 6.1
import PackageDescription

/// Flatten fleet: flatten Docker images across a fleet of hosts.
///
/// Module boundaries, and what each module may import, are described in `docs/ARCHITECTURE.md`:
/// `ImageArchive` knows nothing of HTTP, `DockerEngine` knows nothing of tar, and the coordinator
/// knows nothing of Docker. Every target declares exactly the products its sources import.
let package = Package(
    name: "flatten-fleet",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "flatten-coordinator", targets: ["flatten-coordinator"]),
        .executable(name: "flatten-agent", targets: ["flatten-agent"]),
        .executable(name: "flatctl", targets: ["flatctl"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.34.1"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.0.0"),
        .package(url: "https://github.com/apple/swift-crypto", "3.0.0"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.24.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.5.0"),
    ],
    targets: [
        // MARK: Shared protocol
        .target(name: "FlattenProtocol"),
        // How sizes, durations, times and jobs are written for people, by flatctl and the dashboard.
        .target(name: "FleetFormatting", dependencies: ["FlattenProtocol"]),
        // Token files, CA files and the clear-text token warning, shared by the three executables.
        .target(
            name: "FlattenSecurity",
            dependencies: [.product(name: "NIOSSL", package: "swift-nio-ssl")]
        ),

        // MARK: Images
        .systemLibrary(
            name: "CZlib",
            providers: [.apt(["zlib1g-dev"]), .brew(["zlib"])]
        ),
        .systemLibrary(
            name: "CZstd",
            pkgConfig: "libzstd",
            providers: [.apt(["libzstd-dev"]), .brew(["zstd"])]
        ),
        .target(
            name: "ImageArchive",
            dependencies: [
                "CZlib",
                "CZstd",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .target(
            name: "DockerEngine",
            dependencies: [
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "Flattening",
            dependencies: [
                "FlattenProtocol",
                "ImageArchive",
                "DockerEngine",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),

        // MARK: Database
        .systemLibrary(
            name: "CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"]), .brew(["libpq"])]
        ),
        .target(
            name: "PostgresClient",
            dependencies: [
                "CLibPQ",
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // MARK: Coordinator and agent
        .target(
            name: "CoordinatorCore",
            dependencies: [
                "FlattenProtocol",
                "FleetFormatting",
                "FlattenSecurity",
                "PostgresClient",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        // The one client of the coordinator's HTTP API that the agent, flatctl and the load
        // tool share: endpoint, replies, errors.
        .target(
            name: "CoordinatorHTTPClient",
            dependencies: [
                "FlattenProtocol",
                "FlattenSecurity",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .target(
            name: "AgentCore",
            dependencies: [
                "CoordinatorHTTPClient",
                "FlattenProtocol",
                "FlattenSecurity",
                "Flattening",
                "DockerEngine",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // MARK: Executables
        .executableTarget(
            name: "flatten-coordinator",
            dependencies: [
                "CoordinatorCore",
                "FlattenSecurity",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "flatten-agent",
            dependencies: [
                "AgentCore",
                "CoordinatorHTTPClient",
                "DockerEngine",
                "FlattenProtocol",
                "FlattenSecurity",
                "Flattening",
                "FleetFormatting",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "flatctl",
            dependencies: [
                "CoordinatorHTTPClient",
                "FleetFormatting",
                "FlattenProtocol",
                "FlattenSecurity",
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // MARK: Benchmarks
        .executableTarget(
            name: "postgres-benchmark",
            dependencies: ["PostgresClient"],
            path: "Benchmarks/postgres-benchmark"
        ),
        .executableTarget(
            name: "coordinator-load",
            dependencies: [
                "CoordinatorHTTPClient",
                "FlattenProtocol",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Benchmarks/coordinator-load",
            // pgbench's script for the database floor that scripts/bench-coordinator prints.
            exclude: ["database-floor.sql"]
        ),
        .executableTarget(name: "merge-benchmark", dependencies: [
            "ImageArchive", .product(name: "Crypto", package: "swift-crypto"),
        ], path: "Benchmarks/merge-benchmark"),

        // MARK: Tests
        // Also the engine calls only tests make (build, pull, list containers, version), as
        // extensions of `DockerClient`.
        .target(
            name: "TestSupport",
            dependencies: [
                "DockerEngine", "Flattening", "PostgresClient",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Tests/TestSupport"
        ),
        .testTarget(name: "FlattenProtocolTests", dependencies: ["FlattenProtocol"]),
        .testTarget(name: "FlattenSecurityTests", dependencies: ["FlattenSecurity", "TestSupport"]),
        .testTarget(
            name: "ImageArchiveTests",
            dependencies: [
                "ImageArchive", "CZlib", "DockerEngine", "TestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "DockerEngineTests",
            dependencies: ["DockerEngine", "TestSupport", .product(name: "NIOCore", package: "swift-nio")]
        ),
        .testTarget(
            name: "FlatteningTests",
            dependencies: [
                "Flattening", "DockerEngine", "ImageArchive", "FlattenProtocol", "TestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "PostgresClientTests",
            dependencies: ["PostgresClient", .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(
            name: "CoordinatorCoreTests",
            dependencies: [
                "CoordinatorCore",
                "FlattenProtocol",
                "PostgresClient",
                "TestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "AgentCoreTests",
            dependencies: [
                "AgentCore", "CoordinatorHTTPClient", "FlattenProtocol", "DockerEngine", "CoordinatorCore", "PostgresClient", "TestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(
            name: "FleetTests",
            dependencies: [
                "TestSupport",
                "FlattenProtocol",
                "DockerEngine",
                "PostgresClient",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
