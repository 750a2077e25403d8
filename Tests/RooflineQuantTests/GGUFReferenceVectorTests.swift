import Foundation
import Testing
import RooflineGGUF
import RooflineQuant
import RooflineTestSupport

/// Quantize and dequantize against vectors made by the `gguf` Python package's `gguf.quants`
/// (scripts/reference/make_quant_vectors.py writes Tests/Fixtures/quant/vectors.json).
@Suite struct GGUFReferenceVectorTests {
    struct Vectors: Decodable {
        struct Case: Decodable {
            let type: String
            let name: String?
            let n: Int
            let input: [Double]?
            let quantized_hex: String
            let dequantized: [Double]
        }
        let generator: String
        let cases: [Case]
        let dequant_only: [Case]?
    }

    static let vectors: Vectors? = try? Fixtures.decode(Vectors.self, "quant/vectors.json")
    /// Types gguf.quants cannot quantize, quantized by llama.cpp's ggml_quantize_chunk
    /// (scripts/reference/make_ggml_quant_vectors.py), dequantized by gguf.quants.
    static let ggmlVectors: Vectors? = try? Fixtures.decode(Vectors.self, "quant/ggml_vectors.json")

    static func bytes(_ hex: String) -> [UInt8] {
        var out: [UInt8] = []
        var it = hex.utf8.makeIterator()
        while let a = it.next(), let b = it.next() {
            func v(_ c: UInt8) -> UInt8 { c <= 57 ? c - 48 : (c | 0x20) - 87 }
            out.append(v(a) << 4 | v(b))
        }
        return out
    }

    static var supportedCases: [Vectors.Case] {
        (vectors?.cases ?? []) + (vectors?.dequant_only ?? []) + (ggmlVectors?.cases ?? [])
    }

    @Test func vectorsArePresent() throws {
        let v = try #require(Self.vectors)
        #expect(v.generator.hasPrefix("gguf"))
        for t in ["F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "MXFP4"] { #expect(v.cases.contains { $0.type == t }, "\(t) vectors") }
    }

    @Test func dequantizeMatchesGGUF() throws {
        var checked = 0
        for c in Self.supportedCases {
            guard let type = GGMLType(name: c.type), TensorKernels.supported.contains(type) else { continue }
            let q = Self.bytes(c.quantized_hex)
            let got = try #require(q.withUnsafeBytes { TensorKernels.dequantize(type, $0.baseAddress!, count: c.n) })
            for i in 0..<c.n {
                let want = Float(c.dequantized[i])
                #expect(got[i] == want || (got[i].isNaN && want.isNaN), "\(c.type) \(c.name ?? "dequant_only") [\(i)]: \(got[i]) vs \(want)")
            }
            checked += 1
        }
        #expect(checked >= 41)  // 8 types x 3 cases, 14 dequant_only blocks (NVFP4, Q2_K-Q6_K too), 3 ggml NVFP4 cases
    }

    @Test func quantizeMatchesGGUFByteForByte() throws {
        var checked = 0
        for c in Self.vectors?.cases ?? [] {
            guard let type = GGMLType(name: c.type), Quantizer.supported.contains(type), let input = c.input else { continue }
            let got = try Quantizer.quantize(input.map { Float($0) }, to: type)
            #expect(got == Self.bytes(c.quantized_hex), "\(c.type) \(c.name ?? "")")
            checked += 1
        }
        #expect(checked >= 24)  // three cases each for F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, MXFP4
    }

    @Test func quantizeMatchesGGMLWhereGGUFCannotQuantize() throws {
        let v = try #require(Self.ggmlVectors)
        #expect(v.generator.hasPrefix("ggml_quantize_chunk"))
        for t in ["NVFP4"] { #expect(v.cases.contains { $0.type == t }, "\(t) vectors") }
        for c in v.cases {
            let type = try #require(GGMLType(name: c.type))
            let input = try #require(c.input)
            let got = try Quantizer.quantize(input.map { Float($0) }, to: type)
            #expect(got == Self.bytes(c.quantized_hex), "\(c.type) \(c.name ?? "")")
            let deq = try #require(got.withUnsafeBytes { TensorKernels.dequantize(type, $0.baseAddress!, count: c.n) })
            #expect(deq == c.dequantized.map { Float($0) }, "\(c.type) \(c.name ?? "") dequantized as gguf.quants does")
        }
    }

    /// K-quant dot products (weights × Q8_K activations) against the float dot of gguf's dequantized weights.
    @Test func kQuantDotsTrackGGUFDequantizedWeights() throws {
        var checked = 0
        for c in Self.vectors?.dequant_only ?? [] {
            guard let type = GGMLType(name: c.type), type.blockSize == 256, TensorKernels.supported.contains(type) else { continue }
            var rng = TestRandom(seed: UInt64(type.rawValue))
            let x = rng.floats(c.n)
            let act = try #require(TensorKernels.activationType(for: type))
            #expect(act == .q8_K)
            var q8 = [UInt8](repeating: 0, count: act.byteCount(elements: c.n)!)
            x.withUnsafeBufferPointer { xp in q8.withUnsafeMutableBytes { TensorKernels.quantizeActivations(xp.baseAddress!, to: act, into: $0.baseAddress!, count: c.n) } }
            let w = Self.bytes(c.quantized_hex)
            let got = w.withUnsafeBytes { wp in q8.withUnsafeBytes { TensorKernels.dot(type, wp.baseAddress!, $0.baseAddress!, count: c.n, path: .scalar) } }
            let want = zip(c.dequantized, x).reduce(0.0) { $0 + $1.0 * Double($1.1) }
            let scale = zip(c.dequantized, x).reduce(0.0) { $0 + abs($1.0 * Double($1.1)) }
            #expect(abs(Double(got) - want) <= 0.02 * scale, "\(c.type): \(got) vs \(want)")
            checked += 1
        }
        #expect(checked == 5)  // Q2_K, Q3_K, Q4_K, Q5_K, Q6_K
    }
}
