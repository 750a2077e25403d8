import Testing
import RooflineGGUF
import RooflineTestSupport
import RooflineTokenizer

/// Roofline's tokenizer against llama.cpp's own tokenizer tests (test-tokenizer-0: add_special = false,
/// parse_special = false) on the vocabularies llama.cpp ships for them.
@Suite struct LlamaCppVocabularyTests {
    /// Vocabularies whose tokenizer model and pre-tokenizer Roofline supports.
    static let vocabularies = ["llama-spm", "llama-bpe", "qwen2", "gpt-2", "phi-3", "mpt"]

    @Test(arguments: vocabularies)
    func tokenIdsEqualLlamaCpp(vocab: String) throws {
        let file = try GGUFFile(path: try ReferenceVocabularies.path(vocab))
        let tok = try Tokenizer(file: file)
        let cases = try ReferenceVocabularies.cases(vocab)
        #expect(cases.count > 20)
        for (text, want) in cases {
            #expect(tok.encode(text, addSpecial: false, parseSpecial: false) == want, "\(vocab): \(text.debugDescription)")
        }
    }

    @Test(arguments: vocabularies)
    func decodingReproducesText(vocab: String) throws {
        let file = try GGUFFile(path: try ReferenceVocabularies.path(vocab))
        let tok = try Tokenizer(file: file)
        for (text, ids) in try ReferenceVocabularies.cases(vocab) where tok.kind == .bpe {
            #expect(tok.decode(ids) == text, "\(vocab): \(text.debugDescription)")
        }
    }
}
