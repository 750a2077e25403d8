import Foundation
import Testing
import RooflineGGUF
import RooflineQuant
import RooflineTestSupport

/// FP8/FP4/E8M0 element conversions against vectors made by `ml_dtypes`
/// (scripts/reference/make_minifloat_vectors.py writes Tests/Fixtures/quant/minifloat.json).
@Suite struct MiniFloatTests {
    struct Vectors: Decodable {
        struct Format: Decodable { let decoded: [UInt32]; let encoded: [UInt8] }
        let generator: String
        let inputs: [UInt32]
        let formats: [String: Format]
    }

    static let vectors: Vectors? = try? Fixtures.decode(Vectors.self, "quant/minifloat.json")

    @Test(arguments: MiniFloat.allCases)
    func decodesEveryCodeLikeMLDtypes(_ format: MiniFloat) throws {
        let v = try #require(Self.vectors?.formats[format.rawValue], "no vectors for \(format)")
        #expect(v.decoded.count == format.codeCount)
        for (code, want) in v.decoded.enumerated() {
            let got = format.decode(UInt8(code))
            let w = Float(bitPattern: want)
            #expect(got.bitPattern == want || (got.isNaN && w.isNaN), "\(format) code \(code): \(got) vs \(w)")
        }
    }

    @Test(arguments: MiniFloat.allCases)
    func encodesTheFloat32SweepLikeMLDtypes(_ format: MiniFloat) throws {
        let vectors = try #require(Self.vectors)
        #expect(vectors.generator.hasPrefix("ml_dtypes"))
        let v = try #require(vectors.formats[format.rawValue])
        #expect(v.encoded.count == vectors.inputs.count && vectors.inputs.count > 5000)
        var mismatches = 0
        for (bits, want) in zip(vectors.inputs, v.encoded) {
            let got = format.encode(Float(bitPattern: bits))
            if got != want {
                mismatches += 1
                if mismatches <= 10 { Issue.record("\(format) 0x\(String(bits, radix: 16)) (\(Float(bitPattern: bits))): \(got) vs \(want)") }
            }
        }
        #expect(mismatches == 0)
    }

    @Test func decodeThenEncodeIsTheIdentityOnFiniteCodes() {
        for f in MiniFloat.allCases {
            for c in 0..<f.codeCount {
                let x = f.decode(UInt8(c))
                guard x.isFinite else { continue }
                // -0 in E2M1 and E4M3/E5M2 encodes back to itself; E8M0 has no zero.
                #expect(f.encode(x) == UInt8(c), "\(f) code \(c)")
            }
        }
    }

    /// NVFP4's block scales are unsigned E4M3 (ggml_ue4m3_to_fp32): every scale code, read back through an
    /// NVFP4 block whose first value is the E2M1 code for 1.0, equals ml_dtypes' E4M3FN value (0x7F: zero).
    @Test func nvfp4ScalesAreE4M3Values() throws {
        for code in 0..<128 {
            var block = [UInt8](repeating: 0, count: 36)
            block[0] = UInt8(code)
            block[4] = 0x02  // value 0 of sub-block 0: E2M1 1.0
            let y = try #require(block.withUnsafeBytes { TensorKernels.dequantize(.nvfp4, $0.baseAddress!, count: 64) })
            let want: Float = code == 0x7F ? 0 : MiniFloat.e4m3fn.decode(UInt8(code))
            #expect(y[0] == want, "scale code \(code): \(y[0]) vs \(want)")
        }
    }
}
