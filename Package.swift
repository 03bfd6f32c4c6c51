// swift-tools-version:6.0
// EasyKV for Swift: a batch pipeline for long documents under a KV-cache budget.
// Module map: docs/DESIGN.md §2 (mirrored in README.md).
import PackageDescription

/// Hot numeric code: overflow checks off in release builds. No CPU-specific flags: the quantized
/// products live in `CKernels`, compiled for several instruction sets and picked at run time.
let kernelSettings: [SwiftSetting] = [
    .unsafeFlags(["-Ounchecked"], .when(configuration: .release))
]

let package = Package(
    name: "EasyKV",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "easykv", targets: ["easykv"]),
        .library(name: "EasyKV", targets: ["BatchPipeline", "Evaluation", "LanguageModels"]),
    ],
    dependencies: [
        // 1.8: `@Option(defaultAsFlag:)` for `easykv run --resume[=changed]`.
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.1.0"),
    ],
    targets: [
        // System libraries (apt: libopenblas-dev, libxml2-dev, libcurl4-openssl-dev).
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CLibXML2", pkgConfig: "libxml-2.0", providers: [.apt(["libxml2-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),

        .target(name: "GGUF"),
        // The speed-critical kernels in C, one variant per instruction set chosen at run time.
        .target(name: "CKernels"),
        .target(name: "Kernels", dependencies: ["COpenBLAS", "CKernels", "GGUF"], swiftSettings: kernelSettings),
        .target(
            name: "Tokenizers",
            dependencies: ["GGUF", .product(name: "Collections", package: "swift-collections")]),
        .target(name: "KVCaches", dependencies: ["GGUF", "Kernels"], swiftSettings: kernelSettings),
        .target(
            name: "LanguageModels", dependencies: ["GGUF", "Kernels", "Tokenizers", "KVCaches"],
            swiftSettings: kernelSettings),
        .target(name: "Ingestion", dependencies: ["CLibXML2", "CCurl"]),
        .target(
            name: "BatchPipeline",
            dependencies: [
                "Ingestion", "LanguageModels", "Tokenizers", "KVCaches", .product(name: "Yams", package: "Yams"),
            ]),
        .target(name: "Evaluation", dependencies: ["LanguageModels", "BatchPipeline", "Tokenizers", "KVCaches"]),
        .executableTarget(
            name: "easykv",
            dependencies: [
                "GGUF", "Kernels", "Tokenizers", "KVCaches", "LanguageModels", "Ingestion",
                "BatchPipeline", "Evaluation",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        // Test helpers every test target shares (where the model is; the tiny model).
        .target(name: "TestSupport", dependencies: ["GGUF", "LanguageModels"], path: "Tests/TestSupport"),
        .testTarget(name: "GGUFTests", dependencies: ["GGUF", "TestSupport"]),
        .testTarget(
            name: "KernelsTests", dependencies: ["Kernels", "GGUF", "TestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(
            name: "TokenizersTests", dependencies: ["Tokenizers", "GGUF", "TestSupport"], resources: [.copy("Fixtures")]
        ),
        .testTarget(name: "KVCachesTests", dependencies: ["KVCaches", "TestSupport"]),
        .testTarget(
            name: "LanguageModelsTests",
            dependencies: ["LanguageModels", "Tokenizers", "GGUF", "Kernels", "TestSupport"],
            resources: [.copy("Fixtures")]),
        .testTarget(
            name: "IngestionTests", dependencies: ["Ingestion", "TestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(
            name: "BatchPipelineTests",
            dependencies: ["BatchPipeline", "Ingestion", "LanguageModels", "Tokenizers", "KVCaches", "TestSupport"]),
        .testTarget(
            name: "EvaluationTests",
            dependencies: ["Evaluation", "GGUF", "Tokenizers", "LanguageModels", "KVCaches", "TestSupport"],
            resources: [.copy("Fixtures")]),
        .testTarget(name: "EasyKVCLITests", dependencies: ["easykv", "TestSupport"]),
    ]
)
