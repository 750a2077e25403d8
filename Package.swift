// swift-tools-version:6.0
import PackageDescription

// Layers, one way down:
// RooflineGGUF (file format) → CRooflineKernels/RooflineQuant (quant formats, kernels)
// → RooflineModel (transformer) → RooflineTokenizer, RooflineSampling → RooflineEngine → roofline (CLI)
let package = Package(
    name: "Roofline",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "RooflineEngine", targets: ["RooflineEngine"]),
        .executable(name: "roofline", targets: ["roofline"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .target(name: "RooflineGGUF"),
        .target(name: "CRooflineKernels"),
        .target(name: "RooflineQuant", dependencies: ["RooflineGGUF", "CRooflineKernels"]),
        .target(name: "RooflineModel", dependencies: ["RooflineGGUF", "RooflineQuant", "CRooflineKernels"]),
        .target(name: "RooflineTokenizer", dependencies: ["RooflineGGUF"]),
        .target(name: "RooflineSampling"),
        .target(name: "RooflineEngine", dependencies: [
            "RooflineGGUF", "RooflineQuant", "RooflineModel", "RooflineTokenizer", "RooflineSampling",
        ]),
        .target(name: "RooflinePlanner", dependencies: ["RooflineGGUF"]),
        .executableTarget(name: "roofline", dependencies: [
            "RooflineEngine", "RooflineQuant", "RooflinePlanner",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .target(name: "RooflineTestSupport", dependencies: ["RooflineGGUF", "RooflineQuant", "RooflineEngine"], path: "Tests/RooflineTestSupport"),
        .testTarget(name: "RooflineGGUFTests", dependencies: ["RooflineGGUF", "RooflineTestSupport"]),
        .testTarget(name: "RooflineQuantTests", dependencies: ["RooflineQuant", "RooflineGGUF", "RooflineTestSupport"]),
        .testTarget(name: "RooflineTokenizerTests", dependencies: ["RooflineTokenizer", "RooflineSampling", "RooflineEngine", "RooflineTestSupport"]),
        .testTarget(name: "RooflineCLITests", dependencies: ["RooflineTestSupport", "RooflineEngine", "roofline"]),
        .testTarget(name: "RooflinePlannerTests", dependencies: ["RooflinePlanner", "RooflineGGUF"]),
        .testTarget(name: "RooflineEngineTests", dependencies: ["RooflineEngine", "RooflineModel", "RooflineQuant", "RooflineTokenizer", "RooflineGGUF", "RooflineSampling", "RooflineTestSupport"]),
    ]
)
