import Testing
import RooflineGGUF
import RooflineQuant
import RooflineTestSupport

/// Every fast kernel against the scalar reference, on awkward sizes (ggml's test-quantize-fns, three ways).
@Suite struct KernelPathTests {
    static let weightTypes: [GGMLType] = [.q4_0, .q4_1, .q8_0, .f16, .f32, .bf16, .q5_0, .q5_1, .mxfp4, .nvfp4]
    static let sizes = [32, 96, 160, 576, 1536 + 32]
    /// NVFP4's blocks are 64 long: twice the size (still odd block counts).
    static func length(_ n: Int, _ type: GGMLType) -> Int { type.blockSize == 64 ? 2 * n : n }

    func withQuantized<R>(_ values: [Float], _ type: GGMLType, _ body: (UnsafeRawPointer) -> R) throws -> R {
        let bytes = try Quantizer.quantize(values, to: type)
        return bytes.withUnsafeBytes { body($0.baseAddress!) }
    }

    func activations(_ x: [Float], for type: GGMLType, path: KernelPath) -> [UInt8] {
        let act = TensorKernels.activationType(for: type)!
        var out = [UInt8](repeating: 0, count: act.byteCount(elements: x.count)!)
        x.withUnsafeBufferPointer { xp in
            out.withUnsafeMutableBytes { TensorKernels.quantizeActivations(xp.baseAddress!, to: act, into: $0.baseAddress!, count: x.count, path: path) }
        }
        return out
    }

    @Test(arguments: weightTypes, sizes)
    func simdDotMatchesScalar(type: GGMLType, n: Int) throws {
        let n = Self.length(n, type)
        var rng = TestRandom(seed: UInt64(n) * 31 + UInt64(type.rawValue))
        let w = rng.floats(n), x = rng.floats(n, scale: 3)
        let actRef = activations(x, for: type, path: .scalar)
        try withQuantized(w, type) { wp in
            let ref = actRef.withUnsafeBytes { TensorKernels.dot(type, wp, $0.baseAddress!, count: n, path: .scalar) }
            for path in KernelPath.available where path != .scalar {
                // The activation encoders must agree byte for byte...
                let act = activations(x, for: type, path: path)
                #expect(act == actRef, "\(type) activations on \(path)")
                // ...and the dot products to float rounding.
                let fast = act.withUnsafeBytes { TensorKernels.dot(type, wp, $0.baseAddress!, count: n, path: path) }
                #expect(abs(fast - ref) <= 1e-4 * max(1, abs(ref)), "\(type) n=\(n) \(path): \(fast) vs \(ref)")
            }
        }
    }

    @Test(arguments: weightTypes, sizes)
    func fourRowKernelsMatchScalar(type: GGMLType, n: Int) throws {
        let n = Self.length(n, type)
        var rng = TestRandom(seed: UInt64(n) &* 7 &+ UInt64(type.rawValue))
        let rows = (0..<4).map { _ in rng.floats(n) }
        let x = rng.floats(n, scale: 2)
        let w = try rows.flatMap { try Quantizer.quantize($0, to: type) }
        let rowBytes = type.byteCount(elements: n)!
        let act = activations(x, for: type, path: .scalar)
        var checked = 0
        for path in KernelPath.available where TensorKernels.hasFourRowKernel(type, path: path) {
            try w.withUnsafeBytes { wp in
                try act.withUnsafeBytes { xp in
                    let four = try #require(TensorKernels.dot4(type, wp.baseAddress!, rowBytes: rowBytes, xp.baseAddress!, count: n, path: path))
                    for r in 0..<4 {
                        let ref = TensorKernels.dot(type, wp.baseAddress! + r * rowBytes, xp.baseAddress!, count: n, path: .scalar)
                        #expect(abs(four[r] - ref) <= 1e-4 * max(1, abs(ref)), "\(type) n=\(n) row \(r) on \(path): \(four[r]) vs \(ref)")
                    }
                }
            }
            checked += 1
        }
        if [.q4_0, .q4_1, .q8_0, .q5_0, .q5_1, .mxfp4, .nvfp4].contains(type) && KernelPath.available.contains(.avx2) { #expect(checked > 0) }
    }

    @Test(arguments: weightTypes, sizes)
    func tileKernelsMatchScalar(type: GGMLType, n: Int) throws {
        let n = Self.length(n, type)
        var rng = TestRandom(seed: UInt64(n) &* 13 &+ UInt64(type.rawValue))
        let w = try (0..<4).flatMap { _ in try Quantizer.quantize(rng.floats(n), to: type) }
        let acts = (0..<4).map { _ in activations(rng.floats(n, scale: 2), for: type, path: .scalar) }
        let rowBytes = type.byteCount(elements: n)!
        let actBytes = acts[0].count
        let x = acts.flatMap { $0 }
        for path in KernelPath.available {
            try w.withUnsafeBytes { wp in
                try x.withUnsafeBytes { xp in
                    guard let tile = TensorKernels.tile4x4(type, wp.baseAddress!, rowBytes: rowBytes, xp.baseAddress!, actRowBytes: actBytes, count: n, path: path) else { return }
                    for c in 0..<4 {
                        for r in 0..<4 {
                            let ref = TensorKernels.dot(type, wp.baseAddress! + r * rowBytes, xp.baseAddress! + c * actBytes, count: n, path: .scalar)
                            #expect(abs(tile[c * 4 + r] - ref) <= 1e-4 * max(1, abs(ref)), "\(type) n=\(n) r\(r) c\(c) on \(path)")
                        }
                    }
                    _ = try #require(tile.count == 16 ? tile : nil)
                }
            }
        }
    }

    /// The whole matmul on every path, for batches that use the sixteen- and eight-column kernels (16, 16 + 8,
    /// 2 × 16 + 8 columns, with remainders) and row counts that are not multiples of four: each result equals
    /// the scalar reference to float rounding, and — the property batching relies on — each column equals the
    /// same activation row multiplied alone, bit for bit. From 32 columns Q4_1, Q5_0 and Q8_0 whole sixteens of rows go
    /// through the sixteen-row tiles, eight columns at a time (33 × 37: two tiles, five rows and one column left;
    /// 40 × 80: five tiles in two blocks).
    @Test(arguments: [GGMLType.q4_0, .q4_1, .q8_0, .q5_0], [(8, 13), (11, 36), (19, 5), (3, 8), (16, 24), (27, 9), (43, 12), (33, 37), (40, 80)])
    func matmulMatchesScalarAndAlone(type: GGMLType, shape: (nX: Int, rows: Int)) throws {
        let n = 160
        var rng = TestRandom(seed: UInt64(shape.nX * 100 + shape.rows) &+ UInt64(type.rawValue))
        let w = try (0..<shape.rows).flatMap { _ in try Quantizer.quantize(rng.floats(n), to: type) }
        let acts = (0..<shape.nX).map { _ in activations(rng.floats(n, scale: 2), for: type, path: .scalar) }
        let rowBytes = type.byteCount(elements: n)!
        let actBytes = acts[0].count
        let x = acts.flatMap { $0 }
        for path in KernelPath.available {
            for threads in [1, 2] {
                w.withUnsafeBytes { wp in
                    x.withUnsafeBytes { xp in
                        let all = TensorKernels.matmul(type, wp.baseAddress!, rows: shape.rows, xp.baseAddress!, actRowBytes: actBytes, nX: shape.nX, count: n, threads: threads, path: path)
                        for m in 0..<shape.nX {
                            let alone = TensorKernels.matmul(type, wp.baseAddress!, rows: shape.rows, xp.baseAddress! + m * actBytes, actRowBytes: actBytes, nX: 1, count: n, threads: threads, path: path)
                            for r in 0..<shape.rows {
                                let got = all[m * shape.rows + r]
                                let ref = TensorKernels.dot(type, wp.baseAddress! + r * rowBytes, xp.baseAddress! + m * actBytes, count: n, path: .scalar)
                                #expect(abs(got - ref) <= 1e-4 * max(1, abs(ref)), "\(type) \(shape) m\(m) r\(r) on \(path): \(got) vs \(ref)")
                                #expect(got.bitPattern == alone[r].bitPattern, "\(type) \(shape) m\(m) r\(r) on \(path): batched \(got) vs alone \(alone[r])")
                            }
                        }
                    }
                }
            }
        }
    }

    @Test(arguments: weightTypes)
    func quantizedDotTracksFloatDot(type: GGMLType) throws {
        var rng = TestRandom(seed: 99)
        let n = 1024
        let w = rng.floats(n), x = rng.floats(n)
        let exact = zip(w, x).reduce(Float(0)) { $0 + $1.0 * $1.1 }
        let act = activations(x, for: type, path: .current)
        let got = try withQuantized(w, type) { wp in act.withUnsafeBytes { TensorKernels.dot(type, wp, $0.baseAddress!, count: n) } }
        // Error budget per format, relative to the size of the sum of |w·x| terms.
        let scale = zip(w, x).reduce(Float(0)) { $0 + abs($1.0 * $1.1) }
        let tolerance: Float = [.q4_0: 0.08, .q4_1: 0.06, .q8_0: 0.01, .f16: 0.002, .bf16: 0.01, .f32: 1e-5,
                                 .q5_0: 0.04, .q5_1: 0.03, .mxfp4: 0.1, .nvfp4: 0.08][type]!
        #expect(abs(got - exact) <= tolerance * scale, "\(type): \(got) vs \(exact)")
    }

    @Test(arguments: [GGMLType.q4_0, .q4_1, .q8_0, .f16, .bf16, .q5_0, .q5_1, .mxfp4, .nvfp4])
    func quantizeDequantizeError(type: GGMLType) throws {
        var rng = TestRandom(seed: 5)
        let x = rng.floats(4096)
        let q = try Quantizer.quantize(x, to: type)
        let y = q.withUnsafeBytes { TensorKernels.dequantize(type, $0.baseAddress!, count: x.count)! }
        let rmse = (zip(x, y).reduce(Float(0)) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } / Float(x.count)).squareRoot()
        let bound: Float = [.q4_0: 0.12, .q4_1: 0.1, .q8_0: 0.01, .f16: 0.001, .bf16: 0.005, .q5_0: 0.06, .q5_1: 0.05, .mxfp4: 0.15, .nvfp4: 0.12][type]!
        #expect(rmse < bound, "\(type) rmse \(rmse)")
    }

    @Test func nonFiniteInputIsRejected() {
        #expect(throws: Quantizer.Error.nonFinite(index: 3)) { try Quantizer.quantize([0, 1, 2, .nan] + [Float](repeating: 0, count: 28), to: .q8_0) }
        #expect(throws: Quantizer.Error.notBlockMultiple(count: 33, type: .q4_0)) { try Quantizer.quantize([Float](repeating: 0, count: 33), to: .q4_0) }
    }

    @Test func halfConversionsRoundToNearestEven() {
        #expect(Half.fromFloat(1) == 0x3C00)
        #expect(Half.fromFloat(65504) == 0x7BFF)
        #expect(Half.fromFloat(1e6) == 0x7C00)
        #expect(Half.fromFloat(-0.0) == 0x8000)
        #expect(Half.fromFloat(5.960464477539063e-08) == 0x0001)
        #expect(Half.toFloat(0x0001) == 5.960464477539063e-08)
        #expect(Half.fromFloat(1 + 1.0 / 2048) == 0x3C00)  // tie goes to even
        #expect(Half.fromFloat(1 + 3.0 / 2048) == 0x3C02)
        #expect(Half.toFloat(Half.fromFloat(.nan)).isNaN)
        #expect(Half.bf16FromFloat(1) == 0x3F80)
        #expect(Half.bf16ToFloat(0x3F80) == 1)
    }
}

/// The multi-row kernels exist for every block type they are written for (so the comparisons above are not vacuous).
@Suite struct MultiRowKernelCoverageTests {
    @Test func blockTypesHaveFourRowAndTileKernels() throws {
        if KernelPath.available.contains(.neon) {  // arm64: four-row NEON kernels for these three, no tiles
            for type: GGMLType in [.q4_0, .q4_1, .q8_0] { #expect(TensorKernels.hasFourRowKernel(type, path: .neon), "\(type) four-row on neon") }
        }
        guard KernelPath.available.contains(.avx2) else { return }  // the x86 SIMD paths have them all, and tiles
        for type: GGMLType in [.q4_0, .q4_1, .q8_0, .q5_0, .q5_1, .mxfp4, .nvfp4] {
            let n = type.blockSize == 64 ? 64 : 32
            let w = try Quantizer.quantize([Float](repeating: 0.5, count: 4 * n), to: type)
            let act = [UInt8](repeating: 0, count: 4 * TensorKernels.activationType(for: type)!.byteCount(elements: n)!)
            for path in KernelPath.available where path == .avx2 || path == .avx512vnni {
                #expect(TensorKernels.hasFourRowKernel(type, path: path), "\(type) four-row on \(path)")
                let tile = w.withUnsafeBytes { wp in act.withUnsafeBytes {
                    TensorKernels.tile4x4(type, wp.baseAddress!, rowBytes: w.count / 4, $0.baseAddress!, actRowBytes: act.count / 4, count: n, path: path)
                } }
                #expect(tile != nil, "\(type) tile on \(path)")
            }
        }
    }
}
