#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The mixture-of-experts FFN (llama.cpp's `build_moe_ffn` with softmax gating and `norm_w`): router logits →
/// softmax → the `used` most probable experts → their probabilities renormalised to sum 1 (and scaled by
/// `expert_weights_scale` when set) → each expert's SwiGLU FFN on the rows routed to it → the weighted outputs
/// summed in selection order. Rows are gathered per expert, so each expert's matrices are read once per chunk;
/// a row's result does not depend on the other rows. Every buffer is in `Scratch`.
extension Transformer {
    /// Replaces the `rows` normed inputs in `scratch.xb` with the FFN output.
    func mixtureOfExperts(_ ex: ModelWeights.Experts, rows m: Int) {
        let c = config, s = scratch, d = c.embeddingLength, n = ex.count, k = c.expertUsedCount
        let fx = c.expertFeedForwardLength
        matmul(ex.router, s.xb, rows: m, into: s.router)
        if let rb = ex.routerBias { addRows(s.router, rb, rows: m) }
        for r in 0..<m {
            let p = s.router + r * n
            if c.traits.expertGating == .topKThenSoftmax {
                selectThenSoftmax(p, n: n, k: k, selected: s.selected + r * k, weights: s.selWeight + r * k)
                continue
            }
            softmax(p, count: n)
            // Top k by probability, then ggml_sum_rows / clamp / div.
            topK(p, n: n, k: k, selected: s.selected + r * k, values: s.selWeight + r * k)
            var total = 0.0
            for slot in 0..<k { total += Double(s.selWeight[r * k + slot]) }
            let norm = max(Float(total), 6.103515625e-5)
            for slot in 0..<k {
                var w = s.selWeight[r * k + slot] / norm
                if c.expertWeightsScale != 0 && c.expertWeightsScale != 1 { w *= c.expertWeightsScale }
                s.selWeight[r * k + slot] = w
            }
        }
        for e in 0..<n {
            var count = 0
            for r in 0..<m {
                for slot in 0..<k where s.selected[r * k + slot] == e {
                    (s.moeIn + count * d).update(from: s.xb + r * d, count: d)
                    s.gatherRow[count] = r
                    s.gatherSlot[count] = slot
                    count += 1
                }
            }
            guard count > 0 else { continue }
            matmul(s.moeIn, rows: count, (ex.slice(ex.gate, e), s.hb), (ex.slice(ex.up, e), s.hb2))
            if c.traits.openAIExperts, let gb = ex.gateBias, let ub = ex.upBias {
                addRows(s.hb, gb, offset: e * fx, width: fx, rows: count)
                addRows(s.hb2, ub, offset: e * fx, width: fx, rows: count)
                swigluOAI(s.hb, s.hb2, count: count * fx)
            } else {
                swiglu(s.hb, s.hb2, count: count * fx)
            }
            matmul(ex.slice(ex.down, e), s.hb, rows: count, into: s.moeIn)
            if let db = ex.downBias { addRows(s.moeIn, db, offset: e * d, width: d, rows: count) }
            for j in 0..<count {
                let r = s.gatherRow[j], slot = s.gatherSlot[j], w = s.selWeight[r * k + slot]
                let src = s.moeIn + j * d, dst = s.moeOut + (r * k + slot) * d
                for i in 0..<d { dst[i] = src[i] * w }
            }
        }
        for r in 0..<m {
            let out = s.xb + r * d
            out.update(from: s.moeOut + r * k * d, count: d)
            for slot in 1..<max(k, 1) { add(out, s.moeOut + (r * k + slot) * d, count: d) }
        }
    }

    /// llama.cpp's `LLAMA_EXPERT_GATING_FUNC_TYPE_SOFTMAX_WEIGHT`: the `k` largest logits of `p` (lowest id first
    /// among equals, as ggml's argsort), then ggml_soft_max over those k alone, in selection order.
    func selectThenSoftmax(_ p: UnsafeMutablePointer<Float>, n: Int, k: Int, selected: UnsafeMutablePointer<Int>,
                           weights: UnsafeMutablePointer<Float>) {
        topK(p, n: n, k: k, selected: selected, values: weights)
        softmax(weights, count: k)
    }

    /// The `k` largest of `p[0..<n]`, largest first (lowest id first among equals): ids and values.
    func topK(_ p: UnsafeMutablePointer<Float>, n: Int, k: Int, selected: UnsafeMutablePointer<Int>, values: UnsafeMutablePointer<Float>) {
        for slot in 0..<k {
            var best = -1
            for e in 0..<n where !(0..<slot).contains(where: { selected[$0] == e }) {
                if best < 0 || p[e] > p[best] { best = e }
            }
            selected[slot] = best
            values[slot] = p[best]
        }
    }

    /// ggml_soft_max in place: max subtracted, sum in double, scaled by the float of 1/sum.
    func softmax(_ p: UnsafeMutablePointer<Float>, count n: Int) {
        var mx = -Float.infinity
        for e in 0..<n where p[e] > mx { mx = p[e] }
        var sum = 0.0
        for e in 0..<n { p[e] = expf(p[e] - mx); sum += Double(p[e]) }
        let inv = Float(1 / sum)
        for e in 0..<n { p[e] *= inv }
    }

    /// gpt-oss's clamped SwiGLU in place in `gate` (ggml_compute_forward_swiglu_oai_f32, α 1.702, limit 7):
    /// x = min(gate, 7), y = clamp(up, −7, 7), x / (1 + e^(−1.702·x)) · (y + 1).
    func swigluOAI(_ gate: UnsafeMutablePointer<Float>, _ up: UnsafeMutablePointer<Float>, count: Int) {
        let alpha: Float = 1.702, limit: Float = 7
        for i in 0..<count {
            let x = min(gate[i], limit)
            let y = min(max(up[i], -limit), limit)
            let glu = x / (1 + expf(alpha * -x))
            gate[i] = glu * (y + 1)
        }
    }
}
