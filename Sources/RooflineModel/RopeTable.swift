/// Rotary position embedding in ggml's "normal" mode (adjacent pairs) or NeoX mode (pairs i, i + dims/2),
/// with the angle recurrence
/// of ggml's `ggml_rope_cache_init`: θ₀ = p, θᵢ₊₁ = θᵢ · base^(−2/n_dims), computed in float.
/// Llama-3.x frequency factors (`rope_freqs.weight`) divide each pair's angle, and linear scaling multiplies
/// the position, as in ggml's `rope_yarn` with `ext_factor = 0`.
struct RopeTable: Sendable {
    let headDim: Int
    let dims: Int
    let thetaScale: Float
    let freqScale: Float
    let freqFactors: [Float]?  // (dims / 2)
    let style: RopeStyle

    /// `base` and `scale` override the config's `ropeFreqBase` and `ropeFreqScale` (sliding-window layers).
    init(config c: LlamaConfig, freqFactors: [Float]? = nil, base: Float? = nil, scale: Float? = nil) {
        headDim = c.headDim
        dims = c.ropeDimensionCount
        thetaScale = powf(base ?? c.ropeFreqBase, -2 / Float(c.ropeDimensionCount))
        freqScale = scale ?? c.ropeFreqScale
        self.freqFactors = freqFactors
        style = c.traits.ropeStyle
    }

    /// Rotates each of `heads` vectors of `x` (heads × headDim) for `position`.
    func apply(_ x: UnsafeMutablePointer<Float>, heads: Int, position: Int) {
        var theta = Float(position)
        withUnsafeTemporaryAllocation(of: Float.self, capacity: dims) { cs in
            for i in stride(from: 0, to: dims, by: 2) {
                let t = freqScale * (freqFactors.map { theta / $0[i / 2] } ?? theta)
                cs[i] = cosf(t)
                cs[i + 1] = sinf(t)
                theta *= thetaScale
            }
            // Element offsets of a pair's two members: (i, i+1) normal, (i/2, i/2 + dims/2) NeoX.
            let neox = style == .neox
            for h in 0..<heads {
                let v = x + h * headDim
                for i in stride(from: 0, to: dims, by: 2) {
                    let a = neox ? i / 2 : i, b = neox ? i / 2 + dims / 2 : i + 1
                    let x0 = v[a], x1 = v[b], c = cs[i], s = cs[i + 1]
                    v[a] = x0 * c - x1 * s
                    v[b] = x0 * s + x1 * c
                }
            }
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
