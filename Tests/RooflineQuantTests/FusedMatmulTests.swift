import CRooflineKernels
import Testing
import RooflineGGUF
import RooflineQuant
import RooflineTestSupport

/// A fused matmul whose parts want different packings of the same activations (Gemma-3's Q5_0 Q and K beside a
/// Q8_0 V): every column of every part equals that part multiplied alone, and that column multiplied alone, bit
/// for bit, on every path, for batches that use the sixteen- and eight-column kernels and, from 32 columns, the
/// sixteen-row tiles (a whole tile of each of the first two parts, with rows left over in the first).
@Suite struct FusedMatmulTests {
    @Test(arguments: [8, 24, 35, 40])
    func mixedPackingsEqualPartsAlone(nX: Int) throws {
        let k = 640
        var rng = TestRandom(seed: UInt64(nX))
        let types: [GGMLType] = [.q5_0, .q8_0, .q5_0]
        let rows = [20, 16, 8]
        let weights = try zip(types, rows).map { t, n in try (0..<n).flatMap { _ in try Quantizer.quantize(rng.floats(k), to: t) } }
        var x = [UInt8](repeating: 0, count: nX * GGMLType.q8_0.byteCount(elements: k)!)
        let actBytes = GGMLType.q8_0.byteCount(elements: k)!
        let xs = rng.floats(nX * k, scale: 2)
        xs.withUnsafeBufferPointer { xp in
            x.withUnsafeMutableBytes { out in
                for m in 0..<nX { TensorKernels.quantizeActivations(xp.baseAddress! + m * k, to: .q8_0, into: out.baseAddress! + m * actBytes, count: k, path: .scalar) }
            }
        }
        for path in KernelPath.available {
            let pool = try #require(rf_pool_create(2))
            defer { rf_pool_destroy(pool) }
            var o0 = [Float](repeating: .nan, count: rows[0] * nX), o1 = [Float](repeating: .nan, count: rows[1] * nX)
            var o2 = [Float](repeating: .nan, count: rows[2] * nX)
            weights[0].withUnsafeBytes { w0 in weights[1].withUnsafeBytes { w1 in weights[2].withUnsafeBytes { w2 in
                o0.withUnsafeMutableBufferPointer { y0 in o1.withUnsafeMutableBufferPointer { y1 in o2.withUnsafeMutableBufferPointer { y2 in
                    let parts = [rf_matmul_part(w: w0.baseAddress, wtype: Int32(types[0].rawValue), n_rows: Int64(rows[0]), y: y0.baseAddress, y_stride: Int64(rows[0])),
                                 rf_matmul_part(w: w1.baseAddress, wtype: Int32(types[1].rawValue), n_rows: Int64(rows[1]), y: y1.baseAddress, y_stride: Int64(rows[1])),
                                 rf_matmul_part(w: w2.baseAddress, wtype: Int32(types[2].rawValue), n_rows: Int64(rows[2]), y: y2.baseAddress, y_stride: Int64(rows[2]))]
                    x.withUnsafeBytes { xp in
                        rf_matmul_multi(pool, parts, 3, Int64(k), xp.baseAddress, Int64(actBytes), Int64(nX), path.rawValue)
                    }
                }}}
            }}}
            let outs = [o0, o1, o2]
            for p in 0..<3 {
                weights[p].withUnsafeBytes { wp in
                    x.withUnsafeBytes { xp in
                        let alone = TensorKernels.matmul(types[p], wp.baseAddress!, rows: rows[p], xp.baseAddress!, actRowBytes: actBytes, nX: nX, count: k, threads: 2, path: path)
                        for m in 0..<nX {
                            let single = TensorKernels.matmul(types[p], wp.baseAddress!, rows: rows[p], xp.baseAddress! + m * actBytes, actRowBytes: actBytes, nX: 1, count: k, threads: 1, path: path)
                            for r in 0..<rows[p] {
                                let got = outs[p][m * rows[p] + r]
                                #expect(got.bitPattern == alone[m * rows[p] + r].bitPattern, "part \(p) m\(m) r\(r) on \(path): fused vs alone")
                                #expect(got.bitPattern == single[r].bitPattern, "part \(p) m\(m) r\(r) on \(path): batched vs one column")
                            }
                        }
                    }
                }
            }
        }
    }
}
