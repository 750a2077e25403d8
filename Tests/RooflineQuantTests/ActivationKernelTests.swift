import CRooflineKernels
import Foundation
import Testing
import RooflineQuant
import RooflineTestSupport

/// The SwiGLU activation's vector paths (ggml's vectorised exp) against x / (1 + expf(-x)) * g.
@Suite struct ActivationKernelTests {
    @Test(arguments: [1, 15, 16, 17, 1536, 1541])
    func swigluMatchesTheFormula(n: Int) {
        var rng = TestRandom(seed: UInt64(n))
        // Mostly ordinary values, plus the ranges where exp over- or underflows.
        var x = rng.floats(n, scale: 4)
        if n > 8 { x[0] = 95; x[1] = -95; x[2] = 0; x[3] = -0.0; x[4] = 200; x[5] = -200; x[6] = 1e-30 }
        let g = rng.floats(n)
        let expected = zip(x, g).map { x, g in x / (1 + expf(-x)) * g }
        for path in KernelPath.available {
            var y = x
            y.withUnsafeMutableBufferPointer { yp in g.withUnsafeBufferPointer { rf_swiglu(Int64(n), yp.baseAddress, $0.baseAddress, path.rawValue) } }
            for i in 0..<n {
                let tol = 4 * Float.ulpOfOne * max(abs(expected[i]), Float.leastNormalMagnitude)
                #expect(abs(y[i] - expected[i]) <= tol, "\(path) n \(n) i \(i): x \(x[i]) got \(y[i]) expected \(expected[i])")
            }
        }
    }
}

/// GeGLU bit for bit against ggml's formula written out (fp16 input, tanh GELU in float, fp16 result; exact
/// outside (-10, 10)) on every path: the table lookup must give what the computation gives, NaN included.
@Suite struct GegluTests {
    static func reference(_ x: Float) -> Float {
        if x <= -10 { return 0 }
        if x >= 10 { return x }
        let h = Float(Float16(x))
        return Float(Float16(0.5 * h * (1 + tanhf(0.797_884_560_802_865_4 * h * (1 + 0.044715 * h * h)))))
    }

    @Test(arguments: [1, 16, 17, 2048, 2051])
    func gegluMatchesTheFormulaBitForBit(n: Int) {
        var rng = TestRandom(seed: 7 &+ UInt64(n))
        var x = rng.floats(n, scale: 5)
        if n > 12 {
            x[0] = -10; x[1] = 10; x[2] = -9.999; x[3] = 9.999; x[4] = 0; x[5] = -0.0; x[6] = 1e-7; x[7] = -1e-7
            x[8] = 65504; x[9] = -3.0e38; x[10] = .nan; x[11] = 11
        }
        let g = rng.floats(n)
        for path in KernelPath.available {
            var y = x
            y.withUnsafeMutableBufferPointer { yp in g.withUnsafeBufferPointer { rf_geglu(Int64(n), yp.baseAddress, $0.baseAddress, path.rawValue) } }
            for i in 0..<n {
                let want = Self.reference(x[i]) * g[i]
                #expect(y[i].bitPattern == want.bitPattern || (y[i].isNaN && want.isNaN), "\(path) i \(i): x \(x[i]) got \(y[i]) want \(want)")
            }
        }
    }
}

/// SwiGLU bit for bit against ggml's own vector silu on each SIMD family (vectors from
/// scripts/reference/make_swiglu_vectors.py, which compiles ggml_v_silu out of llama.cpp's vec.h).
@Suite struct SwigluReferenceTests {
    struct Vectors: Decodable { let x: [UInt32]; let g: [UInt32]; let avx512: [UInt32]; let avx2: [UInt32] }

    @Test func vectorPathsEqualGgml() throws {
        let v = try Fixtures.decode(Vectors.self, "llamacpp/swiglu.json")
        let g = v.g.map(Float.init(bitPattern:))
        // The vectors are ggml's x86 results (AVX-512 and AVX2); other paths run the scalar code.
        for path in KernelPath.available where path == .avx2 || path == .avx512vnni {
            var y = v.x.map(Float.init(bitPattern:))
            y.withUnsafeMutableBufferPointer { yp in g.withUnsafeBufferPointer { rf_swiglu(Int64(yp.count), yp.baseAddress, $0.baseAddress, path.rawValue) } }
            let expected = path == .avx512vnni ? v.avx512 : v.avx2
            let differing = (0..<y.count).filter { y[$0].bitPattern != expected[$0] }
            #expect(differing.isEmpty, "\(path): \(differing.count) of \(y.count) differ from ggml, first at x = \(differing.first.map { Float(bitPattern: v.x[$0]) } ?? 0)")
        }
    }
}
