import Testing
import RooflineGGUF
import RooflineQuant
import RooflineTestSupport

/// llama.cpp's K-quant mixes against the types llama-quantize chose on two models
/// (scripts/reference/make_kquant_profile_reference.py writes Tests/Fixtures/quant/kquant_profiles.json).
@Suite struct QuantProfileTests {
    struct Reference: Decodable {
        struct Model: Decodable {
            let name: String
            let architecture: String
            let block_count: Int
            let head_count: Int
            let head_count_kv: Int
            let has_output: Bool
            let tensors: [[Value]]
            let profiles: [String: [String: String]]
        }
        enum Value: Decodable {
            case int(Int), string(String)
            init(from decoder: Decoder) throws {
                let c = try decoder.singleValueContainer()
                if let i = try? c.decode(Int.self) { self = .int(i) } else { self = .string(try c.decode(String.self)) }
            }
            var int: Int? { if case .int(let i) = self { i } else { nil } }
            var string: String? { if case .string(let s) = self { s } else { nil } }
        }
        let generator: String
        let models: [Model]
    }

    static let reference: Reference? = try? Fixtures.decode(Reference.self, "quant/kquant_profiles.json")

    @Test(arguments: QuantProfile.allCases)
    func typesEqualLlamaQuantize(profile: QuantProfile) throws {
        let ref = try #require(Self.reference)
        #expect(ref.models.count == 2)
        for m in ref.models {
            let tensors = m.tensors.compactMap { t -> (name: String, columns: Int, dims: Int)? in
                guard let n = t[0].string, let c = t[1].int, let d = t[2].int else { return nil }
                return (n, c, d)
            }
            #expect(tensors.count == m.tensors.count)
            let quantized = tensors.filter { $0.dims >= 2 }
            let model = QuantProfile.Model(blockCount: m.block_count, is70B: false, tiedEmbeddings: !m.has_output)
            let mix = profile.types(for: quantized.map { ($0.name, $0.columns) }, model: model)
            let want = try #require(m.profiles[profile.description], "\(profile) in \(m.name)")
            #expect(want.count == quantized.count)
            var mismatches: [String] = []
            for t in quantized {
                let chosen = try #require(mix[t.name])
                let stored = ModelQuantizer.fallbackType(chosen, columns: t.columns)
                if stored.name != want[t.name] { mismatches.append("\(t.name): \(stored) vs \(want[t.name] ?? "-")") }
            }
            #expect(mismatches.isEmpty, "\(profile) on \(m.name): \(mismatches.prefix(8))")
        }
    }

    @Test func namesAndFileTypes() {
        #expect(QuantProfile(name: "q4_k_m") == .q4_K_M)
        #expect(QuantProfile(name: "Q3_K_L") == .q3_K_L)
        #expect(QuantProfile(name: "q4_k") == nil)
        #expect(QuantProfile.q4_K_M.baseType == .q4_K)
        #expect(QuantProfile.allCases.map(\.fileType) == [11, 12, 13, 14, 15, 16, 17])
    }

    /// llama.cpp bumps attn_v of 70B models from Q3_K/Q4_K to Q5_K.
    @Test func seventyBModelsGetQ5_KValueProjections() {
        let tensors = (0..<80).map { (name: "blk.\($0).attn_v.weight", columns: 8192) }
        let big = QuantProfile.Model(blockCount: 80, is70B: true, tiedEmbeddings: false)
        let small = QuantProfile.Model(blockCount: 80, is70B: false, tiedEmbeddings: false)
        #expect(Set(QuantProfile.q4_K_S.types(for: tensors, model: big).values) == [.q5_K])
        #expect(QuantProfile.q4_K_S.types(for: tensors, model: small)["blk.10.attn_v.weight"] == .q4_K)
    }

    @Test func visitOrderFollowsLayerNumbers() {
        // given last to first, the counter must still start at layer 0 (llama.cpp sorts by layer number)
        let all = (0..<12).map { (name: "blk.\($0).ffn_down.weight", columns: 256) }
        let mix = QuantProfile.q4_K_S.types(for: all.reversed(), model: .init(blockCount: 12, is70B: false, tiedEmbeddings: true))
        #expect(mix["blk.0.ffn_down.weight"] == .q5_K)  // i < 12 / 8
        #expect(mix["blk.1.ffn_down.weight"] == .q4_K)
        #expect(mix["blk.11.ffn_down.weight"] == .q4_K)
    }
}
