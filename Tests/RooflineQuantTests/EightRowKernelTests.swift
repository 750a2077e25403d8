import Testing
import RooflineGGUF
import RooflineQuant
import RooflineTestSupport

/// The eight-row decode kernels (kernels_rows8_avx512.c) give the four-row kernels' results bit for bit — the
/// property that keeps a row's result independent of the batch and of the thread that computed it — on
/// quantized data and on random raw blocks, at awkward sizes; and rf_matmul, which hands decode rows to them
/// in groups of eight, still gives each row the four-row (or, for the last rows, one-row) kernel's bits.
@Suite struct EightRowKernelTests {
    static let types: [GGMLType] = [.q4_0, .q4_1, .q8_0, .q5_0]
    static let sizes = [32, 64, 96, 576, 608, 1536, 4096]  // odd block counts too (the Q4_1 kernel pairs blocks)

    func activations(_ x: [Float], for type: GGMLType) -> [UInt8] {
        let act = TensorKernels.activationType(for: type)!
        var out = [UInt8](repeating: 0, count: act.byteCount(elements: x.count)!)
        x.withUnsafeBufferPointer { xp in
            out.withUnsafeMutableBytes { TensorKernels.quantizeActivations(xp.baseAddress!, to: act, into: $0.baseAddress!, count: x.count, path: .scalar) }
        }
        return out
    }

    /// Random blocks: any codes (Q8_0's within ±127, as every quantizer writes them) and finite halves of
    /// either sign from 2^-20 to 4 (or zero) for the scales and mins.
    func rawBlocks(_ type: GGMLType, blocks: Int, rng: inout TestRandom) -> [UInt8] {
        func half() -> [UInt8] {
            let v: Float = rng.next() % 16 == 0 ? 0 : Float(sign: rng.next() & 1 == 0 ? .plus : .minus,
                                                             exponent: Int(rng.next() % 22) - 20, significand: 1 + abs(rng.unit()))
            let h = Half.fromFloat(v)
            return [UInt8(h & 0xFF), UInt8(h >> 8)]
        }
        func codes(_ k: Int, signed: Bool) -> [UInt8] {
            (0..<k).map { _ in signed ? UInt8(bitPattern: Int8(Int(rng.next() % 255) - 127)) : UInt8(truncatingIfNeeded: rng.next()) }
        }
        var out = [UInt8]()
        for _ in 0..<blocks {
            switch type {
            case .q4_0: out += half() + codes(16, signed: false)
            case .q4_1: out += half() + half() + codes(16, signed: false)
            case .q8_0: out += half() + codes(32, signed: true)
            case .q5_0: out += half() + codes(20, signed: false)
            case .q4_K: out += half() + half() + codes(12 + 128, signed: false)
            case .q6_K: out += codes(128 + 64, signed: false) + codes(16, signed: true) + half()
            case .q8_K:
                // any scale; codes within ±127 as the quantizer writes them, and their true sums of 16
                let d = Float(sign: rng.next() & 1 == 0 ? .plus : .minus, exponent: Int(rng.next() % 16) - 12, significand: 1 + abs(rng.unit()))
                let q = (0..<256).map { _ in Int8(Int(rng.next() % 255) - 127) }
                out += withUnsafeBytes(of: d.bitPattern.littleEndian) { Array($0) } + q.map { UInt8(bitPattern: $0) }
                for g in 0..<16 {
                    let sum = Int16(q[16 * g..<16 * g + 16].reduce(0) { $0 + Int($1) })
                    out += withUnsafeBytes(of: sum.littleEndian) { Array($0) }
                }
            case .q8_1: out += half() + half() + codes(32, signed: true)
            default: fatalError("no raw blocks for \(type)")
            }
        }
        return out
    }

    func expectEight(_ type: GGMLType, _ w: [UInt8], _ x: [UInt8], n: Int, _ what: String) -> Int {
        let rowBytes = type.byteCount(elements: n)!
        var checked = 0
        for path in KernelPath.available {
            w.withUnsafeBytes { wp in
                x.withUnsafeBytes { xp in
                    guard let eight = TensorKernels.dot8(type, wp.baseAddress!, rowBytes: rowBytes, xp.baseAddress!, count: n, path: path),
                          let lo = TensorKernels.dot4(type, wp.baseAddress!, rowBytes: rowBytes, xp.baseAddress!, count: n, path: path),
                          let hi = TensorKernels.dot4(type, wp.baseAddress! + 4 * rowBytes, rowBytes: rowBytes, xp.baseAddress!, count: n, path: path)
                    else { return }
                    let four = lo + hi
                    for r in 0..<8 {
                        #expect(eight[r].bitPattern == four[r].bitPattern, "\(type) n=\(n) \(what) row \(r) on \(path): \(eight[r]) vs \(four[r])")
                    }
                    checked += 1
                }
            }
        }
        return checked
    }

    @Test(arguments: types, sizes)
    func eightRowsEqualTwoFourRowCallsBitForBit(type: GGMLType, n: Int) throws {
        var rng = TestRandom(seed: UInt64(n) &* 17 &+ UInt64(type.rawValue))
        let rowBytes = type.byteCount(elements: n)!
        // Quantized rows: also within float rounding of the scalar reference.
        let w = try (0..<8).flatMap { _ in try Quantizer.quantize(rng.floats(n), to: type) }
        let x = activations(rng.floats(n, scale: 2), for: type)
        let checked = expectEight(type, w, x, n: n, "quantized")
        for path in KernelPath.available {
            w.withUnsafeBytes { wp in
                x.withUnsafeBytes { xp in
                    guard let eight = TensorKernels.dot8(type, wp.baseAddress!, rowBytes: rowBytes, xp.baseAddress!, count: n, path: path) else { return }
                    for r in 0..<8 {
                        let ref = TensorKernels.dot(type, wp.baseAddress! + r * rowBytes, xp.baseAddress!, count: n, path: .scalar)
                        #expect(abs(eight[r] - ref) <= 1e-4 * max(1, abs(ref)), "\(type) n=\(n) row \(r) on \(path): \(eight[r]) vs \(ref)")
                    }
                }
            }
        }
        // Random raw blocks, several draws.
        let act = TensorKernels.activationType(for: type)!
        for _ in 0..<8 {
            let wr = rawBlocks(type, blocks: 8 * n / 32, rng: &rng), xr = rawBlocks(act, blocks: n / 32, rng: &rng)
            _ = expectEight(type, wr, xr, n: n, "raw")
        }
        if KernelPath.best == .avx512vnni { #expect(checked > 0, "\(type): no eight-row kernel on avx512vnni") }
    }

    /// The K-quant eight-row kernels against their four-row kernels (which equal the one-row ones bit for bit),
    /// on quantized rows and random raw super-blocks, with odd and even super-block counts.
    static let kTypes: [GGMLType] = [.q4_K, .q6_K]
    @Test(arguments: kTypes, [256, 512, 768, 1536, 2304, 8960])
    func kQuantEightRowsEqualFourRowKernelsBitForBit(type: GGMLType, n: Int) throws {
        var rng = TestRandom(seed: UInt64(n) &* 31 &+ UInt64(type.rawValue))
        let w = try (0..<8).flatMap { _ in
            var f = rng.floats(n)
            for i in stride(from: 3, to: n, by: 89) { f[i] *= 8 }
            return try Quantizer.quantize(f, to: type)
        }
        let checked = expectEight(type, w, activations(rng.floats(n, scale: 3), for: type), n: n, "quantized")
        for _ in 0..<6 {
            let wr = rawBlocks(type, blocks: 8 * n / 256, rng: &rng), xr = rawBlocks(.q8_K, blocks: n / 256, rng: &rng)
            _ = expectEight(type, wr, xr, n: n, "raw")
        }
        if KernelPath.best == .avx512vnni { #expect(checked > 0, "\(type): no eight-row kernel on avx512vnni") }
    }

    /// Decode-shaped matmuls (one to six activation rows: decode, a few sequences decoding together, a speculative
    /// verification, where Q4_K and Q6_K take each eight rows' codes out once for all columns; row counts that are
    /// not multiples of eight or four; one to five threads: more threads than cores make some late, so others take
    /// rows from the back of their shares): rows in whole groups of four equal the four-row kernel's results, the
    /// last rows the one-row kernel's, bit for bit, whichever thread computed them.
    @Test(arguments: types + kTypes, [4, 12, 13, 20, 44, 47, 100, 1003])
    func matmulDecodeRowsEqualFourRowKernel(type: GGMLType, rows: Int) throws {
        let n = type.blockSize == 256 ? 768 : 576
        var rng = TestRandom(seed: UInt64(rows) &* 101 &+ UInt64(type.rawValue))
        let w = try (0..<rows).flatMap { _ in try Quantizer.quantize(rng.floats(n), to: type) }
        let rowBytes = type.byteCount(elements: n)!
        for nX in 1...6 {
            let acts = (0..<nX).map { _ in activations(rng.floats(n, scale: 2), for: type) }
            let actBytes = acts[0].count
            let x = acts.flatMap { $0 }
            for path in KernelPath.available where TensorKernels.hasFourRowKernel(type, path: path) {
                for threads in [1, 2, 3, 5] {
                    w.withUnsafeBytes { wp in
                        x.withUnsafeBytes { xp in
                            let all = TensorKernels.matmul(type, wp.baseAddress!, rows: rows, xp.baseAddress!, actRowBytes: actBytes, nX: nX, count: n, threads: threads, path: path)
                            for m in 0..<nX {
                                let xm = xp.baseAddress! + m * actBytes
                                for r in 0..<rows {
                                    let want: Float
                                    if r < rows & ~3 {
                                        want = TensorKernels.dot4(type, wp.baseAddress! + (r & ~3) * rowBytes, rowBytes: rowBytes, xm, count: n, path: path)![r & 3]
                                    } else {
                                        want = TensorKernels.dot(type, wp.baseAddress! + r * rowBytes, xm, count: n, path: path)
                                    }
                                    let got = all[m * rows + r]
                                    #expect(got.bitPattern == want.bitPattern, "\(type) rows=\(rows) nX=\(nX) m\(m) r\(r) \(threads)t on \(path): \(got) vs \(want)")
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
