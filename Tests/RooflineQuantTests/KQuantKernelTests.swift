import Testing
import RooflineGGUF
import RooflineQuant
import RooflineTestSupport

/// The K-quant SIMD kernels (one row, four rows, 4×4 tiles, and through rf_matmul) against the scalar reference on
/// every kernel path this CPU has, on rows of 1, 2, 9 and 16 super-blocks.
@Suite struct KQuantKernelTests {
    static let types: [GGMLType] = [.q2_K, .q3_K, .q4_K, .q5_K, .q6_K]
    static let sizes = [256, 512, 2304, 4096]

    func activations(_ x: [Float], path: KernelPath) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: GGMLType.q8_K.byteCount(elements: x.count)!)
        x.withUnsafeBufferPointer { xp in
            out.withUnsafeMutableBytes { TensorKernels.quantizeActivations(xp.baseAddress!, to: .q8_K, into: $0.baseAddress!, count: x.count, path: path) }
        }
        return out
    }

    /// Rows with some structure: an outlier every 97 values and a zero stretch, so scales and mins vary.
    func weights(_ rng: inout TestRandom, _ n: Int) -> [Float] {
        var w = rng.floats(n)
        for i in stride(from: 5, to: n, by: 97) { w[i] *= 8 }
        for i in 0..<min(n, 40) { w[i] = 0 }
        return w
    }

    /// The SIMD Q8_K quantizer writes the reference's bytes: a zero super-block, ties of magnitude with both
    /// signs (the first sets the scale's sign), values on rounding boundaries, and plain random rows.
    @Test func q8KQuantizerMatchesReferenceBytes() throws {
        var rng = TestRandom(seed: 77)
        var x = [Float](repeating: 0, count: 256)                      // all zero
        var tie = rng.floats(256); tie[40] = -3; tie[200] = 3          // -3 comes first
        var tie2 = rng.floats(256); tie2[17] = 2.5; tie2[18] = -2.5
        let halves = (0..<256).map { Float($0 % 11) * 0.5 - 2.5 }      // many exact .5 products
        x += tie + tie2 + halves + rng.floats(512, scale: 7)
        let ref = activations(x, path: .scalar)
        for path in KernelPath.available {
            #expect(activations(x, path: path) == ref, "Q8_K bytes on \(path)")
        }
    }

    /// Float accumulation order differs from the reference (integer parts are exact): the tolerance is
    /// relative to the sum of |terms|, which bounds the rounding of any order.
    func close(_ a: Float, _ b: Float, magnitude: Float) -> Bool { abs(a - b) <= 1e-5 * max(1, magnitude) }

    func magnitude(_ type: GGMLType, _ w: UnsafeRawPointer, _ x: [Float], n: Int) -> Float {
        let deq = TensorKernels.dequantize(type, w, count: n) ?? []
        return zip(deq, x).reduce(Float(0)) { $0 + abs($1.0 * $1.1) }
    }

    @Test(arguments: types, sizes)
    func oneAndFourRowKernelsMatchScalar(type: GGMLType, n: Int) throws {
        var rng = TestRandom(seed: UInt64(n) &* 17 &+ UInt64(type.rawValue))
        let rows = (0..<4).map { _ in weights(&rng, n) }
        let x = rng.floats(n, scale: 3)
        let w = try rows.flatMap { try Quantizer.quantize($0, to: type) }
        let rowBytes = type.byteCount(elements: n)!
        let act = activations(x, path: .scalar)
        var fastPaths = 0
        for path in KernelPath.available {
            #expect(activations(x, path: path) == act, "\(type) Q8_K activations on \(path)")
            try w.withUnsafeBytes { wp in
                try act.withUnsafeBytes { xp in
                    let four = TensorKernels.dot4(type, wp.baseAddress!, rowBytes: rowBytes, xp.baseAddress!, count: n, path: path)
                    for r in 0..<4 {
                        let row = wp.baseAddress! + r * rowBytes
                        let ref = TensorKernels.dot(type, row, xp.baseAddress!, count: n, path: .scalar)
                        let mag = magnitude(type, row, x, n: n)
                        let one = TensorKernels.dot(type, row, xp.baseAddress!, count: n, path: path)
                        #expect(close(one, ref, magnitude: mag), "\(type) n=\(n) row \(r) on \(path): \(one) vs \(ref)")
                        if let four {
                            // the four-row kernel runs the one-row kernel's arithmetic: equal bit for bit
                            #expect(four[r].bitPattern == one.bitPattern, "\(type) n=\(n) row \(r) four-row on \(path): \(four[r]) vs \(one)")
                        }
                    }
                    // x86's SIMD paths have four-row K-quant kernels (arm64's NEON path has none yet)
                    if path == .avx2 || path == .avx512vnni { _ = try #require(four, "\(type) has a four-row kernel on \(path)") }
                }
            }
            if path != .scalar { fastPaths += 1 }
        }
        #expect(fastPaths == KernelPath.available.count - 1)
    }

    /// The 4×4 tile kernel (prefill): each of its 16 results equals the one-row kernel's bit for bit.
    @Test(arguments: types, [256, 2304])
    func tileKernelsEqualOneRowKernels(type: GGMLType, n: Int) throws {
        var rng = TestRandom(seed: UInt64(n) &* 29 &+ UInt64(type.rawValue))
        let w = try (0..<4).flatMap { _ in try Quantizer.quantize(weights(&rng, n), to: type) }
        let xs = (0..<4).map { _ in rng.floats(n, scale: 2) }
        let x = xs.flatMap { activations($0, path: .scalar) }
        let rowBytes = type.byteCount(elements: n)!, actBytes = x.count / 4
        var tiles = 0
        for path in KernelPath.available {
            try w.withUnsafeBytes { wp in
                try x.withUnsafeBytes { xp in
                    guard let tile = TensorKernels.tile4x4(type, wp.baseAddress!, rowBytes: rowBytes, xp.baseAddress!, actRowBytes: actBytes, count: n, path: path) else { return }
                    tiles += 1
                    for c in 0..<4 {
                        for r in 0..<4 {
                            let row = wp.baseAddress! + r * rowBytes, act = xp.baseAddress! + c * actBytes
                            let one = TensorKernels.dot(type, row, act, count: n, path: path)
                            let ref = TensorKernels.dot(type, row, act, count: n, path: .scalar)
                            #expect(tile[c * 4 + r].bitPattern == one.bitPattern, "\(type) n=\(n) r\(r) c\(c) on \(path)")
                            #expect(close(tile[c * 4 + r], ref, magnitude: magnitude(type, row, xs[c], n: n)), "\(type) n=\(n) r\(r) c\(c) on \(path) vs scalar")
                        }
                    }
                    _ = try #require(tile.count == 16 ? tile : nil)
                }
            }
        }
        #expect(tiles == KernelPath.available.filter { $0 == .avx2 || $0 == .avx512vnni }.count)
    }

    /// Through rf_matmul with 13 rows (three groups of four and one left over) and 2 to 35 activation rows: on
    /// the VNNI path every column goes through the sixteen- and eight-column kernels (2, 6 and 8: one padded
    /// eight; 9: one padded sixteen; 21: a sixteen and a padded eight; 35: two sixteens and a padded eight;
    /// 70 rows span two of their 64-row blocks; from 32 columns the sixteen-row tiles take whole sixteens of
    /// rows, eight columns at a time: 70 × 40 four tiles and six rows left, 37 × 33 two tiles, five rows and
    /// a last column alone, 96 × 45 six tiles in two blocks and five columns left), elsewhere through tiles
    /// and single columns; on one and two threads: every result near the scalar reference, each column
    /// bit-identical alone.
    @Test(arguments: types, [(13, 2), (13, 6), (13, 8), (70, 9), (13, 21), (70, 35), (70, 40), (37, 33), (96, 45)])
    func matmulMatchesScalarAndAlone(type: GGMLType, shape: (rows: Int, nX: Int)) throws {
        let n = 512, rows = shape.rows, nX = shape.nX
        var rng = TestRandom(seed: 1000 &+ UInt64(type.rawValue))
        let w = try (0..<rows).flatMap { _ in try Quantizer.quantize(weights(&rng, n), to: type) }
        let xs = (0..<nX).map { _ in rng.floats(n, scale: 2) }
        let acts = xs.map { activations($0, path: .scalar) }
        let rowBytes = type.byteCount(elements: n)!, actBytes = acts[0].count
        let x = acts.flatMap { $0 }
        for path in KernelPath.available {
            for threads in [1, 2] {
                w.withUnsafeBytes { wp in
                    x.withUnsafeBytes { xp in
                        let all = TensorKernels.matmul(type, wp.baseAddress!, rows: rows, xp.baseAddress!, actRowBytes: actBytes, nX: nX, count: n, threads: threads, path: path)
                        for m in 0..<nX {
                            let alone = TensorKernels.matmul(type, wp.baseAddress!, rows: rows, xp.baseAddress! + m * actBytes, actRowBytes: actBytes, nX: 1, count: n, threads: threads, path: path)
                            for r in 0..<rows {
                                let row = wp.baseAddress! + r * rowBytes
                                let ref = TensorKernels.dot(type, row, xp.baseAddress! + m * actBytes, count: n, path: .scalar)
                                let got = all[m * rows + r]
                                #expect(close(got, ref, magnitude: magnitude(type, row, xs[m], n: n)), "\(type) m\(m) r\(r) on \(path): \(got) vs \(ref)")
                                #expect(got.bitPattern == alone[r].bitPattern, "\(type) m\(m) r\(r) on \(path) batched vs alone")
                            }
                        }
                    }
                }
            }
        }
    }
}
