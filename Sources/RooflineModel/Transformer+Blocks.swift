import CRooflineKernels
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The elementwise blocks the forward pass composes: norms, bias and residual adds, gated activations.
extension Transformer {
    /// ggml_rms_norm (sum of squares in double) followed by the weight multiply, over rows of `width`
    /// (the embedding by default; one head for Q/K norms). `out` may be `x`.
    func rmsNorm(_ x: UnsafeMutablePointer<Float>, _ w: FloatVector, into out: UnsafeMutablePointer<Float>, rows: Int, width: Int? = nil) {
        let d = width ?? config.embeddingLength, eps = config.rmsEpsilon, wp = w.base
        for r in 0..<rows {
            let xr = x + r * d, o = out + r * d
            var sum: Double = 0
            for i in 0..<d { sum += Double(xr[i] * xr[i]) }
            let mean = Float(sum / Double(d))
            let scale = 1 / (mean + eps).squareRoot()
            for i in 0..<d { o[i] = (xr[i] * scale) * wp[i] }
        }
    }

    /// Adds the vector `b` to each of `rows` rows of `x` (a bias after a matmul).
    func addRows(_ x: UnsafeMutablePointer<Float>, _ b: FloatVector, rows: Int) {
        addRows(x, b, offset: 0, width: b.count, rows: rows)
    }

    /// Adds `b[offset..<offset+width]` to each of `rows` rows of `x` (one expert's bias, ggml_add_id).
    func addRows(_ x: UnsafeMutablePointer<Float>, _ b: FloatVector, offset: Int, width: Int, rows: Int) {
        let bp = b.base + offset
        for r in 0..<rows {
            let xr = x + r * width
            for i in 0..<width { xr[i] += bp[i] }
        }
    }

    func add(_ x: UnsafeMutablePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { x[i] += y[i] }
    }

    /// gelu(gate) * up, in place in `gate`, as ggml's CPU geglu computes it: the tanh GELU looked up for the
    /// input rounded to F16 and rounded to F16 again (ggml_table_gelu_f16), exact outside (-10, 10).
    func geglu(_ gate: UnsafeMutablePointer<Float>, _ up: UnsafeMutablePointer<Float>, count: Int) {
        rf_geglu(Int64(count), gate, up, kernelPath.rawValue)
    }

    /// silu(gate) * up, in place in `gate`, with ggml_vec_swiglu_f32's vectorised exp (activations.c).
    func swiglu(_ gate: UnsafeMutablePointer<Float>, _ up: UnsafeMutablePointer<Float>, count: Int) {
        rf_swiglu(Int64(count), gate, up, kernelPath.rawValue)
    }
}
