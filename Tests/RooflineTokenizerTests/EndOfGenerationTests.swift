import Testing
import RooflineGGUF
import RooflineTokenizer

/// Which tokens end generation, as llama-vocab.cpp decides: the EOS/EOT/EOM ids and control tokens with the
/// known names, except gpt-oss's `<|end|>` (harmony ends a message with it and the final answer follows).
@Suite struct EndOfGenerationTests {
    /// A byte-level BPE vocabulary of a few plain tokens and the given control tokens.
    func tokenizer(controls: [String]) throws -> Tokenizer {
        let plain = ["a", "b", "c"]
        let tokens = plain + controls
        let types = plain.map { _ in GGUFValue.int32(1) } + controls.map { _ in GGUFValue.int32(3) }
        return try Tokenizer(metadata: [
            "tokenizer.ggml.model": .string("gpt2"),
            "tokenizer.ggml.tokens": .array(.string, tokens.map { .string($0) }),
            "tokenizer.ggml.token_type": .array(.int32, types),
            "tokenizer.ggml.merges": .array(.string, []),
            "tokenizer.ggml.eos_token_id": .uint32(UInt32(tokens.count - 1)),
        ])
    }

    func names(_ t: Tokenizer, _ controls: [String]) -> Set<String> {
        Set(t.endOfGeneration.map { controls[Int($0) - 3] })
    }

    @Test func harmonyEndIsNotTheEndOfGeneration() throws {
        let harmony = ["<|start|>", "<|message|>", "<|end|>", "<|call|>", "<|return|>"]
        #expect(names(try tokenizer(controls: harmony), harmony) == ["<|call|>", "<|return|>"])
    }

    /// llama.cpp's rule for gpt-oss: `<|channel|>`, `<|message|>`, `<|start|>` and `<|constrain|>` are rendered and
    /// parsed as user-defined tokens, so a reply's channels reach its text; `<|end|>`, `<|call|>` stay control.
    @Test func harmonyHeaderTokensAreRendered() throws {
        let harmony = ["<|start|>", "<|message|>", "<|channel|>", "<|constrain|>", "<|end|>", "<|call|>", "<|return|>"]
        let t = try tokenizer(controls: harmony)
        let id = { (s: String) in try #require(t.id(of: s)) }
        #expect(t.decode([try id("<|channel|>"), 0, try id("<|message|>"), 1, try id("<|end|>"), try id("<|start|>")]) == "<|channel|>a<|message|>b<|start|>")
        #expect(t.decode([try id("<|end|>"), try id("<|call|>")]).isEmpty)
        // parsed even where control tokens are not
        #expect(t.encode("<|constrain|>a<|end|>", addSpecial: false, parseSpecial: false).first == (try id("<|constrain|>")))
    }

    @Test func phi3EndIsTheEndOfGeneration() throws {
        let phi3 = ["<|user|>", "<|assistant|>", "<|end|>", "<|endoftext|>"]
        #expect(names(try tokenizer(controls: phi3), phi3) == ["<|end|>", "<|endoftext|>"])
    }
}
