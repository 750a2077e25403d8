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
        var sinks = false
        var description: String { "hd \(hd) window \(window) softcap \(softcap) heads \(heads)/\(kvHeads) at \(pos0)\(sinks ? " sinks" : "")" }
    }
    static let cases = [Case(hd: 64, window: 0, softcap: 0), Case(hd: 128, window: 0, softcap: 0), Case(hd: 96, window: 0, softcap: 0),
                        Case(hd: 64, window: 7, softcap: 0), Case(hd: 64, window: 0, softcap: 30), Case(hd: 40, window: 0, softcap: 0),
                        // more keys than one block of the grouped kernel; eight query heads per KV head (run four at a time)
                        Case(hd: 64, window: 0, softcap: 0, heads: 8, kvHeads: 1, pos0: 300),
                        Case(hd: 128, window: 200, softcap: 0, heads: 9, kvHeads: 3, pos0: 290),
                        // gpt-oss's attention sinks (above and below the largest score), on the fixed and any-width paths
                        Case(hd: 64, window: 0, softcap: 0, sinks: true), Case(hd: 16, window: 4, softcap: 0, sinks: true),
                        Case(hd: 128, window: 0, softcap: 0, heads: 4, kvHeads: 2, pos0: 70, sinks: true),
                        // Gemma 3's heads of 256 (the tiled F32 path's one-head kernel), with a window and with a soft-cap
                        Case(hd: 256, window: 0, softcap: 0, heads: 4, kvHeads: 1, pos0: 70),
                        Case(hd: 256, window: 20, softcap: 30, heads: 4, kvHeads: 2, pos0: 40, sinks: true)]

    /// Sink logits per head: alternately far above every score (the accumulator is rescaled) and near them.
    static func sinks(heads: Int) -> [Float] { (0..<heads).map { $0 % 2 == 0 ? 6 + Float($0) : Float($0) * 0.25 - 0.5 } }

    /// The random queries, F16 keys and values of a case with `nQ` queries.
    func inputs(_ c: Case, nQ: Int) -> (q: [Float], k: [UInt16], v: [UInt16]) {
        let ctx = c.pos0 + nQ
        var rng = TestRandom(seed: UInt64(c.hd * 131 + c.window))
        let q = rng.floats(nQ * c.heads * c.hd, scale: 2)
        // Keys and values in F16, as the cache holds them (converted by the scalar encoder).
        func f16(_ x: [Float]) -> [UInt16] { x.map { Float16($0).bitPattern } }
        return (q, f16(rng.floats(ctx * c.kvHeads * c.hd)), f16(rng.floats(ctx * c.kvHeads * c.hd)))
    }

    /// Runs `nQ` queries at positions pos0..<pos0+nQ: three (decode style) take the F16 path, 64 the tiled F32 one.
    /// `headMajor`: the cache laid out as the engine keeps it (each KV head's positions contiguous, heads
    /// `capacity` positions apart, here two spare positions past the context) instead of llama.cpp's layout.
    func run(_ c: Case, path: KernelPath, nQ: Int = 3, headMajor: Bool = false, pagedShift: Int? = nil) -> [Float] {
        if let shift = pagedShift { return runPaged(c, path: path, nQ: nQ, shift: shift) }
        let nHead = c.heads, nKV = c.kvHeads, pos0 = c.pos0
        var (q, k, v) = inputs(c, nQ: nQ)
        let ctx = pos0 + nQ, capacity = ctx + 2
        var headStride = c.hd, posStride = nKV * c.hd
        if headMajor {
            func regroup(_ x: [UInt16]) -> [UInt16] {
                var y = [UInt16](repeating: 0x7E00, count: nKV * capacity * c.hd)  // NaN where nothing was stored
                for p in 0..<ctx {
                    for h in 0..<nKV {
                        for d in 0..<c.hd { y[(h * capacity + p) * c.hd + d] = x[(p * nKV + h) * c.hd + d] }
                    }
                }
                return y
            }
            k = regroup(k)
            v = regroup(v)
            headStride = capacity * c.hd
            posStride = c.hd
        }
        var out = [Float](repeating: .nan, count: nQ * nHead * c.hd)
        var scratch = [Float](repeating: 0, count: 2 * 4096)  // (threads, four heads × context) scores
        let pool = rf_pool_create(2)
        defer { rf_pool_destroy(pool) }
        q.withUnsafeBufferPointer { qp in
            k.withUnsafeBufferPointer { kp in
                v.withUnsafeBufferPointer { vp in
                    out.withUnsafeMutableBufferPointer { op in
                        scratch.withUnsafeMutableBufferPointer { sp in
                            var seg = rf_attn_segment(q: qp.baseAddress, out: op.baseAddress, k: kp.baseAddress, v: vp.baseAddress,
                                                      layer_stride: 0, head_stride: Int64(headStride), pos_stride: Int32(posStride),
                                                      n_q: Int32(nQ), pos0: Int32(pos0), blocks: nil, block_shift: 0, v_offset: 0, kv_type: 0)
                            attend(pool, &seg, c, scratch: sp.baseAddress!, path: path)
                        }
                    }
                }
            }
        }
        return out
    }

    /// One segment through rf_attention_multi with the case's heads, window, soft-cap and sinks (4096 scratch
    /// floats per thread).
    func attend(_ pool: OpaquePointer?, _ seg: inout rf_attn_segment, _ c: Case, scratch: UnsafeMutablePointer<Float>, path: KernelPath) {
        let scale = 1 / Float(c.hd).squareRoot()
        let sinks: [Float]? = c.sinks ? Self.sinks(heads: c.heads) : nil
        sinks.withUnsafeBufferPointerOrNil { sp in
            rf_attention_multi(pool, &seg, 1, 0, Int32(c.heads), Int32(c.kvHeads), Int32(c.hd), scale, Int32(c.window), c.softcap,
                               sp, scratch, 4096, path.rawValue)
        }
    }

    /// The cache as KVCache keeps it: blocks of 2^shift positions (each KV head's positions contiguous inside a
    /// block, the values after the keys), reached through a block table whose blocks lie in memory in reverse
    /// order, with garbage (NaN) in every position nothing was stored at.
    func runPaged(_ c: Case, path: KernelPath, nQ: Int, shift: Int) -> [Float] {
        let nHead = c.heads, nKV = c.kvHeads, pos0 = c.pos0, bs = 1 << shift
        let (q, k, v) = inputs(c, nQ: nQ)
        let ctx = pos0 + nQ, nBlocks = (ctx + bs - 1) / bs + 1, blockElements = 2 * nKV * bs * c.hd
        var store = [UInt16](repeating: 0x7E00, count: nBlocks * blockElements)
        let where_ = (0..<nBlocks).map { nBlocks - 1 - $0 }  // table entry b lives at memory block where_[b]
        for p in 0..<ctx {
            for h in 0..<nKV {
                let at = where_[p >> shift] * blockElements + (h * bs + (p & (bs - 1))) * c.hd
                for d in 0..<c.hd {
                    store[at + d] = k[(p * nKV + h) * c.hd + d]
                    store[at + nKV * bs * c.hd + d] = v[(p * nKV + h) * c.hd + d]
                }
            }
        }
        var out = [Float](repeating: .nan, count: nQ * nHead * c.hd)
        var scratch = [Float](repeating: 0, count: 2 * 4096)
        let pool = rf_pool_create(2)
        defer { rf_pool_destroy(pool) }
        store.withUnsafeBufferPointer { sp in
            let table: [UnsafePointer<UInt16>?] = where_.map { sp.baseAddress! + $0 * blockElements }
            table.withUnsafeBufferPointer { tp in
                q.withUnsafeBufferPointer { qp in
                    out.withUnsafeMutableBufferPointer { op in
                        scratch.withUnsafeMutableBufferPointer { scr in
                            var seg = rf_attn_segment(q: qp.baseAddress, out: op.baseAddress, k: nil, v: nil, layer_stride: 0,
                                                      head_stride: Int64(bs * c.hd), pos_stride: Int32(c.hd), n_q: Int32(nQ), pos0: Int32(pos0),
                                                      blocks: tp.baseAddress, block_shift: Int32(shift), v_offset: Int64(nKV * bs * c.hd), kv_type: 0)
                            attend(pool, &seg, c, scratch: scr.baseAddress!, path: path)
                        }
                    }
                }
            }
        }
        return out
    }

    /// Paged caches (blocks of 8 and 32 positions through a block table, out of order in memory) give every path
    /// the bits of the contiguous layout: key groups and windows that straddle blocks included.
    @Test(arguments: cases, [3, 64])
    func pagedLayoutGivesTheSameBits(c: Case, nQ: Int) {
        for path in KernelPath.available {
            let a = run(c, path: path, nQ: nQ)
            #expect(a.allSatisfy { $0.isFinite })
            for shift in [3, 5] {
                let b = run(c, path: path, nQ: nQ, pagedShift: shift)
                let differing = zip(a, b).filter { $0.bitPattern != $1.bitPattern }.count
                #expect(differing == 0, "\(path), \(nQ) queries, blocks of \(1 << shift): \(differing) of \(a.count) values differ")
            }
        }
    }

    /// Three queries take the F16 path, 64 the tiled F32 one (on AVX-512 both through grouped kernels that must
    /// give the AVX2 helpers' bits).
    @Test(arguments: cases, [3, 64])
    func fastPathsAgree(c: Case, nQ: Int) {
        let scalar = run(c, path: .scalar, nQ: nQ)
        #expect(scalar.allSatisfy { $0.isFinite })
        var previous: [Float]? = nil
        for path in KernelPath.available where path != .scalar {
            let fast = run(c, path: path, nQ: nQ)
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

    /// The engine's cache layout (each KV head's positions contiguous) gives every path the same bits as
    /// llama.cpp's (a position's heads side by side), for decode-sized and prefill-sized query counts.
    @Test(arguments: [cases[0], cases[1], cases[5], cases[7], cases[8]], [3, 64])
    func headMajorLayoutGivesTheSameBits(c: Case, nQ: Int) {
        for path in KernelPath.available {
            let a = run(c, path: path, nQ: nQ), b = run(c, path: path, nQ: nQ, headMajor: true)
            #expect(a.allSatisfy { $0.isFinite })
            let differing = zip(a, b).filter { $0.bitPattern != $1.bitPattern }.count
            #expect(differing == 0, "\(path), \(nQ) queries: \(differing) of \(a.count) values differ between the layouts")
        }
    }

    /// A Q8_0 cache (rows of 34-byte blocks in 16-bit units, paged): every path's output is the softmax of the Q8_0
    /// scores over the dequantized values, checked against double precision from the same quantized rows.
    @Test(arguments: [cases[0], cases[1], cases[3], cases[4], cases[8]], [3, 64])
    func q8CacheAttendsAsGgmlDoes(c: Case, nQ: Int) throws {
        let nKV = c.kvHeads, bs = 32, row = c.hd / 32 * 17, ctx = c.pos0 + nQ
        var rng = TestRandom(seed: UInt64(c.hd * 7 + c.window + 1))
        let q = rng.floats(nQ * c.heads * c.hd, scale: 2), kf = rng.floats(ctx * nKV * c.hd), vf = rng.floats(ctx * nKV * c.hd)
        let quantize = rf_get_quantize(Int32(RF_Q8_0), KernelPath.scalar.rawValue)!
        /// The Q8_0 row of the hd values of `x` from `offset`.
        func q8(_ x: [Float], _ offset: Int) -> [UInt16] {
            var out = [UInt16](repeating: 0, count: row)
            x.withUnsafeBufferPointer { xp in out.withUnsafeMutableBytes { quantize(xp.baseAddress! + offset, $0.baseAddress!, Int64(c.hd)) } }
            return out
        }
        func dequant(_ r: [UInt16]) -> [Float] {
            var y = [Float](repeating: 0, count: c.hd)
            r.withUnsafeBytes { rp in y.withUnsafeMutableBufferPointer { _ = rf_dequantize_row(Int32(RF_Q8_0), rp.baseAddress, $0.baseAddress, Int64(c.hd)) } }
            return y
        }
        let nBlocks = (ctx + bs - 1) / bs, blockElements = 2 * nKV * bs * row
        var store = [UInt16](repeating: 0xFFFF, count: nBlocks * blockElements)
        var kd = [[Float]](), vd = [[Float]]()  // dequantized rows by (p * nKV + h)
        for p in 0..<ctx {
            for h in 0..<nKV {
                let at = (nBlocks - 1 - p / bs) * blockElements + (h * bs + p % bs) * row
                let kr = q8(kf, (p * nKV + h) * c.hd), vr = q8(vf, (p * nKV + h) * c.hd)
                for i in 0..<row { store[at + i] = kr[i]; store[at + nKV * bs * row + i] = vr[i] }
                kd.append(dequant(kr))
                vd.append(dequant(vr))
            }
        }
        let sinks: [Float]? = c.sinks ? Self.sinks(heads: c.heads) : nil
        for path in KernelPath.available {
            var out = [Float](repeating: .nan, count: nQ * c.heads * c.hd)
            var scratch = [Float](repeating: 0, count: 2 * 4096)
            let pool = rf_pool_create(2)
            defer { rf_pool_destroy(pool) }
            store.withUnsafeBufferPointer { sp in
                let table: [UnsafePointer<UInt16>?] = (0..<nBlocks).map { sp.baseAddress! + (nBlocks - 1 - $0) * blockElements }
                table.withUnsafeBufferPointer { tp in
                    q.withUnsafeBufferPointer { qp in
                        out.withUnsafeMutableBufferPointer { op in
                            scratch.withUnsafeMutableBufferPointer { scr in
                                var seg = rf_attn_segment(q: qp.baseAddress, out: op.baseAddress, k: nil, v: nil, layer_stride: 0,
                                                          head_stride: Int64(bs * row), pos_stride: Int32(row), n_q: Int32(nQ), pos0: Int32(c.pos0),
                                                          blocks: tp.baseAddress, block_shift: 5, v_offset: Int64(nKV * bs * row), kv_type: Int32(RF_Q8_0))
                                attend(pool, &seg, c, scratch: scr.baseAddress!, path: path)
                            }
                        }
                    }
                }
            }
            // Double precision from the quantized rows: Q as Q8_0 (the dot's other side), K and V dequantized.
            var worst = 0.0
            for iq in 0..<nQ {
                let pos = c.pos0 + iq, first = c.window > 0 ? max(0, pos + 1 - c.window) : 0
                for h in 0..<c.heads {
                    let kvh = h / (c.heads / nKV)
                    let qrow = dequant(q8(q, (iq * c.heads + h) * c.hd))
                    var scores = (first...pos).map { p -> Double in
                        let s = zip(qrow, kd[p * nKV + kvh]).reduce(0.0) { $0 + Double($1.0) * Double($1.1) } / Double(c.hd).squareRoot()
                        return c.softcap != 0 ? Double(c.softcap) * tanh(s / Double(c.softcap)) : s
                    }
                    if let sinks { scores.append(Double(sinks[h])) }
                    let m = scores.max()!
                    let w = scores.map { exp($0 - m) }, total = w.reduce(0, +)
                    for d in 0..<c.hd {
                        var acc = 0.0
                        for (j, p) in (first...pos).enumerated() { acc += w[j] * Double(vd[p * nKV + kvh][d]) }
                        worst = max(worst, abs(acc / total - Double(out[(iq * c.heads + h) * c.hd + d])))
                    }
                }
            }
            #expect(worst < 1e-4, "\(path), \(nQ) queries: largest difference from double precision \(worst)")
        }
    }

    /// Sinks mean what gpt-oss means by them: one more logit in each head's softmax, with no value. Checked on both
    /// paths (3 queries: F16 accumulator; 64: tiled F32) against a double-precision softmax written out here.
    @Test(arguments: [3, 64])
    func sinksJoinTheSoftmax(nQ: Int) {
        let c = Case(hd: 64, window: 5, softcap: 0, heads: 4, kvHeads: 2, pos0: 10, sinks: true)
        let (q, k, v) = inputs(c, nQ: nQ)
        let sinks = Self.sinks(heads: c.heads), scale = 1 / Double(c.hd).squareRoot()
        let out = run(c, path: .best, nQ: nQ)
        var worst = 0.0
        for iq in 0..<nQ {
            let pos = c.pos0 + iq, first = max(0, pos + 1 - c.window)
            for h in 0..<c.heads {
                let kvh = h / (c.heads / c.kvHeads)
                let qv = (0..<c.hd).map { Double(Float(Float16(q[(iq * c.heads + h) * c.hd + $0]))) }  // Q rounded to F16 on the F16 path
                var scores: [Double] = []
                for p in first...pos {
                    var dot = 0.0
                    for d in 0..<c.hd { dot += qv[d] * Double(Float(Float16(bitPattern: k[(p * c.kvHeads + kvh) * c.hd + d]))) }
                    scores.append(dot * scale)
                }
                let m = max(scores.max()!, Double(sinks[h]))
                let denom = scores.reduce(0) { $0 + exp($1 - m) } + exp(Double(sinks[h]) - m)
                for d in 0..<c.hd {
                    var num = 0.0
                    for (j, p) in (first...pos).enumerated() { num += exp(scores[j] - m) * Double(Float(Float16(bitPattern: v[(p * c.kvHeads + kvh) * c.hd + d]))) }
                    worst = max(worst, abs(num / denom - Double(out[(iq * c.heads + h) * c.hd + d])))
                }
            }
        }
        // The F16 accumulator rounds each update to 11 bits; the sinks above every score shrink outputs ~e^-6.
        #expect(worst < 3e-3, "largest difference from the double-precision softmax with sinks: \(worst)")
        // Without the sinks the outputs are different (the test would notice them ignored).
        var plain = c; plain.sinks = false
        let without = run(plain, path: .best, nQ: nQ)
        #expect(zip(out, without).map { abs($0 - $1) }.max()! > 0.05)
    }
}

extension Optional where Wrapped == [Float] {
    /// The array's base address, or nil, for the duration of `body`.
    func withUnsafeBufferPointerOrNil<R>(_ body: (UnsafePointer<Float>?) -> R) -> R {
        switch self {
        case .some(let a): a.withUnsafeBufferPointer { body($0.baseAddress) }
        case .none: body(nil)
        }
    }
}
