import Foundation
import Testing
import RooflineGGUF
import RooflineQuant
import RooflineTestSupport

/// K-quant writing against llama.cpp's ggml (`ggml_quantize_chunk`, no importance matrix), with the bytes
/// dequantized by `gguf.quants` (scripts/reference/make_kquant_vectors.py writes
/// Tests/Fixtures/quant/kquant_vectors.json).
@Suite struct KQuantVectorTests {
    struct Vectors: Decodable {
        struct Row: Decodable { let name: String; let n: Int; let input_f32_hex: String }
        struct Case: Decodable { let type: String; let row: String; let n: Int; let quantized_hex: String; let dequantized_f32_hex: String }
        let generator: String
        let rows: [Row]
        let cases: [Case]
    }

    static let vectors: Vectors? = try? Fixtures.decode(Vectors.self, "quant/kquant_vectors.json")

    static func bytes(_ hex: String) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(hex.utf8.count / 2)
        var it = hex.utf8.makeIterator()
        while let a = it.next(), let b = it.next() {
            func v(_ c: UInt8) -> UInt8 { c <= 57 ? c - 48 : (c | 0x20) - 87 }
            out.append(v(a) << 4 | v(b))
        }
        return out
    }

    static func floats(_ hex: String) -> [Float] {
        let b = bytes(hex)
        return stride(from: 0, to: b.count, by: 4).map {
            Float(bitPattern: UInt32(b[$0]) | UInt32(b[$0 + 1]) << 8 | UInt32(b[$0 + 2]) << 16 | UInt32(b[$0 + 3]) << 24)
        }
    }

    @Test func vectorsCoverEveryKQuant() throws {
        let v = try #require(Self.vectors)
        #expect(v.generator.hasPrefix("ggml_quantize_chunk"))
        #expect(v.rows.count >= 8)
        for t in ["Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K"] {
            #expect(v.cases.filter { $0.type == t }.count == v.rows.count, "\(t) vectors")
        }
    }

    @Test(arguments: [GGMLType.q2_K, .q3_K, .q4_K, .q5_K, .q6_K])
    func quantizeMatchesGGMLByteForByte(type: GGMLType) throws {
        let v = try #require(Self.vectors)
        var checked = 0
        for c in v.cases where c.type == type.name {
            let row = try #require(v.rows.first { $0.name == c.row })
            let input = Self.floats(row.input_f32_hex)
            #expect(input.count == c.n)
            let got = try Quantizer.quantize(input, to: type)
            let want = Self.bytes(c.quantized_hex)
            #expect(got.count == want.count)
            if got != want {
                let first = zip(got, want).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? -1
                Issue.record("\(type) \(c.row): bytes differ from ggml's, first at byte \(first) (block \(first / type.typeSize))")
            }
            // and the bytes dequantize to gguf.quants' values, bit for bit
            let deq = try #require(got.withUnsafeBytes { TensorKernels.dequantize(type, $0.baseAddress!, count: c.n) })
            let ref = Self.floats(c.dequantized_f32_hex)
            #expect(deq.map(\.bitPattern) == ref.map(\.bitPattern), "\(type) \(c.row) dequantized")
            checked += 1
        }
        #expect(checked == v.rows.count)
    }

    /// Round trip on fresh random data: the quantization error stays within what each format's step allows.
    @Test(arguments: [(GGMLType.q2_K, 0.35), (.q3_K, 0.18), (.q4_K, 0.085), (.q5_K, 0.045), (.q6_K, 0.022)])
    func roundTripErrorIsBoundedByTheFormat(type: GGMLType, maxRelativeRMS: Double) throws {
        var rng = TestRandom(seed: 77 &+ UInt64(type.rawValue))
        let x = rng.floats(2304)
        let q = try Quantizer.quantize(x, to: type)
        #expect(q.count == type.byteCount(elements: x.count))
        let y = try #require(q.withUnsafeBytes { TensorKernels.dequantize(type, $0.baseAddress!, count: x.count) })
        let err = zip(x, y).reduce(0.0) { $0 + Double(($1.0 - $1.1) * ($1.0 - $1.1)) }
        let pow = x.reduce(0.0) { $0 + Double($1 * $1) }
        #expect((err / pow).squareRoot() < maxRelativeRMS, "\(type): relative RMS error \((err / pow).squareRoot())")
    }

    @Test func partialSuperBlocksAreRefused() {
        #expect(throws: Quantizer.Error.notBlockMultiple(count: 576, type: .q4_K)) { try Quantizer.quantize([Float](repeating: 1, count: 576), to: .q4_K) }
    }
}
