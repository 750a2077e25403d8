// swift-tools-version:6.1
import PackageDescription

// Layers, one way down:
// RooflineGGUF (file format) → CRooflineKernels/RooflineQuant (quant formats, kernels)
// → RooflineModel (transformer) → RooflineGrammar (JSON values, grammars, tool-call formats) → RooflineTokenizer,
// RooflineSampling → RooflineEngine (generation, scheduler),
// RooflineAPI (OpenAI request bodies: strict JSON, decoding, validation)
// → RooflineServer (the only target that imports Hummingbird), RooflinePlanner → roofline (CLI).
// RooflineFuzzTargets (one entry per untrusted input) sits beside the server and under roofline-fuzz, the
// libFuzzer driver (docs/hardening.md).
let package = Package(
    name: "Roofline",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "RooflineEngine", targets: ["RooflineEngine"]),
        .executable(name: "roofline", targets: ["roofline"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // Hummingbird's optional swift-configuration support is left out (traits: []): fewer packages to build.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.1.0"),
    ],
    targets: [
        .target(name: "RooflineGGUF"),
        .target(name: "CRooflineKernels"),
        .target(name: "RooflineQuant", dependencies: ["RooflineGGUF", "CRooflineKernels"]),
        .target(name: "RooflineModel", dependencies: ["RooflineGGUF", "RooflineQuant", "CRooflineKernels"]),
        .target(name: "RooflineGrammar"),
        .target(name: "RooflineTokenizer", dependencies: ["RooflineGGUF", "RooflineGrammar", .product(name: "HeapModule", package: "swift-collections")]),
        .target(name: "RooflineImport", dependencies: ["RooflineGGUF", "RooflineModel"]),
        .target(name: "RooflineSampling"),
        .target(name: "RooflineEngine", dependencies: [
            "RooflineGGUF", "RooflineQuant", "RooflineModel", "RooflineTokenizer", "RooflineSampling", "RooflineGrammar", "RooflineImport",
        ]),
        .target(name: "RooflineAPI", dependencies: ["RooflineTokenizer", "RooflineSampling", "RooflineGrammar"]),
        .target(name: "RooflineServer", dependencies: [
            "RooflineEngine", "RooflineAPI", "RooflineGrammar",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "RooflinePlanner", dependencies: ["RooflineGGUF", "RooflineModel"]),
        .target(name: "RooflineFuzzTargets", dependencies: ["RooflineGGUF", "RooflineModel", "RooflineTokenizer", "RooflineImport", "RooflineAPI"]),
        .target(name: "CRooflineFuzz"),
        .executableTarget(name: "roofline-fuzz", dependencies: ["RooflineFuzzTargets", "CRooflineFuzz"]),
        .executableTarget(name: "roofline", dependencies: [
            "RooflineEngine", "RooflineModel", "RooflineQuant", "RooflineGrammar", "RooflinePlanner", "RooflineServer",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "RooflineTestSupport", dependencies: ["RooflineGGUF", "RooflineQuant", "RooflineEngine"], path: "Tests/RooflineTestSupport"),
        .testTarget(name: "RooflineGGUFTests", dependencies: ["RooflineGGUF", "RooflineTestSupport"]),
        .testTarget(name: "RooflineQuantTests", dependencies: ["RooflineQuant", "RooflineGGUF", "CRooflineKernels", "RooflineTestSupport"]),
        .testTarget(name: "RooflineTokenizerTests", dependencies: ["RooflineTokenizer", "RooflineGGUF", "RooflineEngine", "RooflineTestSupport"]),
        .testTarget(name: "RooflineCLITests", dependencies: ["RooflineTestSupport", "RooflineEngine", "roofline"]),
        .testTarget(name: "RooflineGrammarTests", dependencies: ["RooflineGrammar", "RooflineEngine", "RooflineAPI", "RooflineTestSupport"]),
        .testTarget(name: "RooflineFuzzTests", dependencies: ["RooflineFuzzTargets", "RooflineAPI"]),
        .testTarget(name: "RooflinePlannerTests", dependencies: ["RooflinePlanner", "RooflineGGUF"]),
        // Tests follow the layers: model (forward passes against llama.cpp, KV pool, RoPE), import, tokenizer,
        // sampling, grammar, engine (generation, scheduler, speculative decoding), server (in process) and CLI
        // (the built executable, end to end).
        .testTarget(name: "RooflineModelTests", dependencies: ["RooflineModel", "RooflineEngine", "RooflineQuant", "RooflineGGUF", "RooflineTestSupport"]),
        .testTarget(name: "RooflineImportTests", dependencies: ["RooflineImport", "RooflineEngine", "RooflineQuant", "RooflineGGUF", "RooflineTokenizer", "RooflineTestSupport"]),
        .testTarget(name: "RooflineSamplingTests", dependencies: ["RooflineSampling"]),
        .testTarget(name: "RooflineServerTests", dependencies: [
            "RooflineServer", "RooflineEngine", "RooflineTestSupport",
            .product(name: "Hummingbird", package: "hummingbird"), .product(name: "HummingbirdTesting", package: "hummingbird"),
        ]),
        .testTarget(name: "RooflineEngineTests", dependencies: ["RooflineEngine", "RooflineModel", "RooflineQuant", "RooflineTokenizer", "RooflineGGUF", "RooflineSampling", "RooflineTestSupport"]),
    ]
)
