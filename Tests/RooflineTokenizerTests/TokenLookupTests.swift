import Testing
import RooflineGGUF
import RooflineTokenizer

/// Token and merge lookups answer as a `[String: Int32]` would: by canonical equivalence (Swift's string
/// equality), the first of duplicate strings winning, whether the vocabulary is indexed by bytes (every string
/// below U+0300) or not.
@Suite struct TokenLookupTests {
    func tokenizer(_ tokens: [String], merges: [String] = []) throws -> Tokenizer {
        try Tokenizer(metadata: [
            "tokenizer.ggml.model": .string("gpt2"),
            "tokenizer.ggml.tokens": .array(.string, tokens.map { .string($0) }),
            "tokenizer.ggml.merges": .array(.string, merges.map { .string($0) }),
        ])
    }

    /// The answer of a dictionary built as the tokenizer used to build its own.
    func reference(_ tokens: [String]) -> [String: Int32] {
        var d: [String: Int32] = [:]
        for i in stride(from: tokens.count - 1, through: 0, by: -1) { d[tokens[i]] = Int32(i) }
        return d
    }

    static let queries = ["a", "b", "ab", "é", "e\u{301}", "Å", "A\u{30A}", "\u{212B}", "Ġthe", "ĠĠ", "x", "", "日本", "ﬁ", "fi",
                          "ǅ", "Ａ", "\u{FFFD}", "<|im_start|>", "e"]

    @Test(arguments: [
        ["a", "b", "ab", "é", "Å", "Ġthe", "ĠĠ", "ab", "fi", "ǅ", "<|im_start|>", "e"],          // bytes index
        ["a", "b", "e\u{301}", "é", "A\u{30A}", "Å", "\u{212B}", "日本", "ﬁ", "Ａ", "\u{FFFD}", "ab"],  // dictionary
        ["a", "é", "e\u{301}", "ab"],
    ])
    func lookupsMatchADictionary(tokens: [String]) throws {
        let t = try tokenizer(tokens)
        let d = reference(tokens)
        for q in Self.queries { #expect(t.id(of: q) == d[q], "\(q.unicodeScalars.map { String($0.value, radix: 16) })") }
    }

    /// A canonically equivalent query finds a byte-indexed token, as string equality does.
    @Test func decomposedQueryFindsPrecomposedToken() throws {
        let t = try tokenizer(["a", "é", "ĠÅ"])
        #expect(t.id(of: "e\u{301}") == 1)
        #expect(t.id(of: "Ġ\u{212B}") == 2)
        #expect(t.id(of: "ĠA\u{30A}") == 2)
    }

    /// Merges rank by their first occurrence: "a b" listed twice keeps rank 0, so "ab" forms before "bc".
    @Test func firstDuplicateMergeWins() throws {
        let t = try tokenizer(["a", "b", "c", "ab", "bc", "abc"], merges: ["a b", "b c", "a b", "ab c"])
        #expect(t.encode("abc", addSpecial: false) == [5])
        let u = try tokenizer(["a", "b", "c", "ab", "bc", "abc"], merges: ["b c", "a b", "ab c"])
        #expect(u.encode("abc", addSpecial: false) == [0, 4])
    }
}
