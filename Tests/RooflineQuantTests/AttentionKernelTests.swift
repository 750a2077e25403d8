import CRooflineKernels
import Foundation
import Testing
import RooflineQuant
import RooflineTestSupport

/// The attention kernel's fast paths against each other and the scalar reference: the AVX-512 decode path
/// restructures the AVX2 path's arithmetic (ggml's flash attention with an F16 accumulator) and must give the
/// same bits; the scalar path sums in another order, so it agrees to rounding.
@Suite struct AttentionKernelTests {
    struct Case: Sendable, CustomStringConvertible {
        var hd: Int, window: Int, softcap: Float
        var heads = 6, kvHeads = 2, pos0 = 40
        var description: String { "hd \(hd) window \(window) softcap \(softcap) heads \(heads)/\(kvHeads) at \(pos0)" }
    }
    static let cases = [Case(hd: 64, window: 0, softcap: 0), Case(hd: 128, window: 0, softcap: 0), Case(hd: 96, window: 0, softcap: 0),
                        Case(hd: 64, window: 7, softcap: 0), Case(hd: 64, window: 0, softcap: 30), Case(hd: 40, window: 0, softcap: 0),
                        // more keys than one block of the grouped kernel; eight query heads per KV head (run four at a time)
                        Case(hd: 64, window: 0, softcap: 0, heads: 8, kvHeads: 1, pos0: 300),
                        Case(hd: 128, window: 200, softcap: 0, heads: 9, kvHeads: 3, pos0: 290)]

    /// Runs three decode-style queries (so the F16 path) at positions pos0...pos0+2.
    func run(_ c: Case, path: KernelPath) -> [Float] {
        let nHead = c.heads, nKV = c.kvHeads, nQ = 3, pos0 = c.pos0, ctx = pos0 + nQ
        var rng = TestRandom(seed: UInt64(c.hd * 131 + c.window))
        let q = rng.floats(nQ * nHead * c.hd, scale: 2)
        // Keys and values in F16, as the cache holds them (converted by the scalar encoder).
        func f16(_ x: [Float]) -> [UInt16] { x.map { Float16($0).bitPattern } }
        let k = f16(rng.floats(ctx * nKV * c.hd)), v = f16(rng.floats(ctx * nKV * c.hd))
        var out = [Float](repeating: .nan, count: nQ * nHead * c.hd)
        var scratch = [Float](repeating: 0, count: 2 * 1024)  // (threads, context) scores
        let pool = rf_pool_create(2)
        defer { rf_pool_destroy(pool) }
        q.withUnsafeBufferPointer { qp in
            k.withUnsafeBufferPointer { kp in
                v.withUnsafeBufferPointer { vp in
                    out.withUnsafeMutableBufferPointer { op in
                        scratch.withUnsafeMutableBufferPointer { sp in
                            var seg = rf_attn_segment(q: qp.baseAddress, out: op.baseAddress, k: kp.baseAddress, v: vp.baseAddress,
                                                      layer_stride: 0, n_q: Int32(nQ), pos0: Int32(pos0))
                            rf_attention_multi(pool, &seg, 1, 0, Int32(nHead), Int32(nKV), Int32(c.hd), 1 / Float(c.hd).squareRoot(),
                                               Int32(c.window), c.softcap, sp.baseAddress, 1024, path.rawValue)
                        }
                    }
                }
            }
        }
        return out
    }

    @Test(arguments: cases)
    func fastPathsAgree(c: Case) {
        let scalar = run(c, path: .scalar)
        #expect(scalar.allSatisfy { $0.isFinite })
        var previous: [Float]? = nil
        for path in KernelPath.available where path != .scalar {
            let fast = run(c, path: path)
            let diff = zip(scalar, fast).map { abs($0 - $1) }.max()!
            #expect(diff < 2e-3, "\(path) vs scalar: \(diff)")
            // AVX2 and AVX-512 share one arithmetic: identical bits.
            if let previous {
                let differing = zip(previous, fast).filter { $0.bitPattern != $1.bitPattern }.count
                let first = (0..<fast.count).first { previous[$0].bitPattern != fast[$0].bitPattern } ?? -1
                #expect(differing == 0, "\(path): \(differing) of \(fast.count) values differ from the AVX2 path, first at \(first)")
            }
            previous = fast
        }
    }
}
