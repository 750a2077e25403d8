/// Rotary position embedding in ggml's "normal" mode (adjacent pairs) or NeoX mode (pairs i, i + dims/2),
/// with the angle recurrence
/// of ggml's `ggml_rope_cache_init`: θ₀ = p, θᵢ₊₁ = θᵢ · base^(−2/n_dims), computed in float.
/// Llama-3.x frequency factors (`rope_freqs.weight`) divide each pair's angle, and linear scaling multiplies
/// the position, as in ggml's `rope_yarn`; with YaRN (`ext_factor` ≠ 0) each pair's angle mixes the interpolated and
/// the extrapolated one by ggml's ramp between the correction dimensions, and cos/sin are scaled by the magnitude
/// factor (`ggml_rope_yarn_corr_dims`, `rope_yarn_ramp`, `rope_yarn` in ggml-cpu/ops.cpp).
struct RopeTable: Sendable {
    let headDim: Int
    let dims: Int
    let thetaScale: Float
    let freqScale: Float
    let freqFactors: FloatVector?  // (dims / 2), owned by the weights
    let style: RopeStyle
    let extFactor: Float
    /// cos/sin multiplier: the attention factor, times 1 + 0.1·ln(1/freqScale) under YaRN.
    let mscale: Float
    let corrLow: Float, corrHigh: Float

    /// `base` and `scale` override the config's `ropeFreqBase` and `ropeFreqScale` (sliding-window layers).
    init(config c: ModelConfig, freqFactors: FloatVector? = nil, base: Float? = nil, scale: Float? = nil) {
        headDim = c.headDim
        dims = c.ropeDimensionCount
        let b = base ?? c.ropeFreqBase
        thetaScale = powf(b, -2 / Float(c.ropeDimensionCount))
        freqScale = scale ?? c.ropeFreqScale
        self.freqFactors = freqFactors
        style = c.traits.ropeStyle
        extFactor = c.yarnExtFactor
        var m = c.yarnAttnFactor
        if extFactor != 0 { m *= 1 + 0.1 * logf(1 / freqScale) }
        mscale = m
        // ggml_rope_yarn_corr_dims: the dimensions where the wavelength crosses n_ctx_orig / beta.
        let nDims = Float(c.ropeDimensionCount), nCtxOrig = Float(c.yarnOriginalContext)
        // (float)M_PI: Float(Double.pi) rounds to nearest, Float.pi is rounded toward zero.
        func corrDim(_ beta: Float) -> Float { nDims * logf(nCtxOrig / (beta * 2 * Float(Double.pi))) / (2 * logf(b)) }
        corrLow = max(0, floorf(corrDim(c.yarnBetaFast)))
        corrHigh = min(nDims - 1, ceilf(corrDim(c.yarnBetaSlow)))
    }

    /// cos and sin of pair `i` (element offset, even) for the unscaled angle `theta` (ggml's rope_yarn).
    @inline(__always) private func cosSin(_ thetaExtrap: Float, _ i: Int) -> (Float, Float) {
        let interp = freqScale * thetaExtrap
        guard extFactor != 0 else {
            if mscale == 1 { return (cosf(interp), sinf(interp)) }
            return (cosf(interp) * mscale, sinf(interp) * mscale)
        }
        let y = (Float(i / 2) - corrLow) / max(0.001, corrHigh - corrLow)
        let mix = (1 - min(1, max(0, y))) * extFactor
        let t = interp * (1 - mix) + thetaExtrap * mix
        return (cosf(t) * mscale, sinf(t) * mscale)
    }

    /// cos and sin of every pair for `position`, interleaved, into `cs` (`dims` floats). ggml computes them
    /// per operation; the forward pass computes them once per token for all layers, Q and K (the same values).
    func angles(position: Int, into cs: UnsafeMutablePointer<Float>) {
        var theta = Float(position)
        for i in stride(from: 0, to: dims, by: 2) {
            (cs[i], cs[i + 1]) = cosSin(freqFactors.map { theta / $0[i / 2] } ?? theta, i)
            theta *= thetaScale
        }
    }

    /// Rotates each of `heads` vectors of `x` (heads × headDim) by the angles `angles(position:into:)` gave.
    func apply(_ x: UnsafeMutablePointer<Float>, heads: Int, angles cs: UnsafePointer<Float>) {
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

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
