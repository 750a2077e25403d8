import Foundation
import Testing
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
}
