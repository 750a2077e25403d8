import Foundation
import Testing
import RooflineGGUF
import RooflineTestSupport
import RooflineTokenizer

/// Pre-tokenizers that llama.cpp's own test vocabularies do not cover (`gpt-4o`: gpt-oss and Llama 4), checked on the
/// default model's vocabulary and merges with `tokenizer.ggml.pre` switched, against llama.cpp's ids for the same
/// strings (scripts/reference/make_pretokenizer_reference.py).
@Suite struct PreTokenizerReferenceTests {
    struct Fixture: Decodable {
        struct Case: Decodable { let text: String; let ids: [Int32] }
        let pre: String
        let cases: [Case]
    }

    @Test(arguments: ["gpt-4o"])
    func idsMatchLlamaCpp(pre: String) throws {
        let f = try Fixtures.decode(Fixture.self, "llamacpp/pretokenizer_\(pre).json")
        let source = try GGUFFile(path: try #require(DefaultModel.path, "the default model is missing"))
        var metadata = source.metadata
        metadata["tokenizer.ggml.pre"] = .string(pre)
        let t = try Tokenizer(metadata: metadata)
        #expect(f.cases.count >= 10)
        for c in f.cases {
            let got = t.encode(c.text, addSpecial: false, parseSpecial: false)
            #expect(got == c.ids, "\(pre) \(c.text.debugDescription)")
            #expect(t.decode(got) == c.text, "\(pre) round trip \(c.text.debugDescription)")
        }
        // The case-change splitting is what sets gpt-4o apart from gpt2's: SmolLM2's own pre-tokenizer differs here.
        let smollm = try Tokenizer(metadata: source.metadata)
        #expect(f.cases.contains { smollm.encode($0.text, addSpecial: false, parseSpecial: false) != $0.ids })
    }
}
