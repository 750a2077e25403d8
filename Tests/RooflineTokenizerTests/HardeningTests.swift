import Foundation
import Testing
import RooflineGGUF
import RooflineTestSupport
import RooflineTokenizer

/// Input that once crashed or froze the tokenizer and the chat-template interpreter: each must now give a clean
/// error or finish in time that grows no faster than n log n.
@Suite struct TokenizerHardeningTests {
    /// One long word (no pre-tokenizer split, so every merge happens inside it) and long runs of specials:
    /// growing the input 8× must grow the merge work about 8× (the old pair rescan grew it ~64×). Work is counted
    /// (pairs examined), not timed, so the test holds on a loaded machine.
    @Test(arguments: ["llama-bpe", "qwen2", "llama-spm", "gpt-2"])
    func longWordsTokenizeInNearLinearWork(vocab: String) throws {
        let tok = try Tokenizer(file: GGUFFile(path: try ReferenceVocabularies.path(vocab)))
        for unit in ["x", "ab", "<|im_end|>y", "é"] {
            let small = tok.mergeWork(String(repeating: unit, count: 4000))
            let large = tok.mergeWork(String(repeating: unit, count: 32000))
            #expect(large <= max(small, 1) * 12, "\(vocab) \(unit.debugDescription): work \(small) for 4k, \(large) for 32k")
        }
    }

    /// Sixty random words of 20-400 common letters.
    static func randomWords() -> [String] {
        (0..<60).map { _ in String((0..<Int.random(in: 20...400)).map { _ in "abcdeilnorst".randomElement()! }) }
    }

    @Test func bpeHeapMergeEqualsFullRescan() throws {
        let file = try GGUFFile(path: try ReferenceVocabularies.path("llama-bpe"))
        let tok = try Tokenizer(file: file)
        var rank: [String: Int] = [:]
        for (i, m) in (file.metadata["tokenizer.ggml.merges"]?.arrayValue ?? []).enumerated() {
            if let s = m.stringValue, rank[s] == nil { rank[s] = i }
        }
        for word in Self.randomWords() {
            var symbols = word.map { String($0) }
            while symbols.count > 1 {
                var best = Int.max, at = -1
                for i in 0..<(symbols.count - 1) {
                    if let r = rank[symbols[i] + " " + symbols[i + 1]], r < best { best = r; at = i }
                }
                if at < 0 { break }
                symbols[at] += symbols[at + 1]
                symbols.remove(at: at + 1)
            }
            let want = symbols.compactMap { tok.id(of: $0) }
            #expect(tok.encode(word, addSpecial: false, parseSpecial: false) == want, "\(word)")
        }
    }

    /// A pre-token past `maxPreTokenBytes` is merged in pieces cut between characters: the tokens equal those of
    /// each piece tokenized alone, the pieces hold at most the cap each and rejoin to the word; a word under the
    /// cap is one piece, so ordinary text is untouched.
    @Test func overlongPreTokensMergeInPieces() throws {
        let tok = try Tokenizer(file: GGUFFile(path: try ReferenceVocabularies.path("qwen2")))
        let cap = Tokenizer.maxPreTokenBytes
        for unit in ["x", "é", "€"] {
            let word = String(repeating: unit, count: (cap * 5 / 2) / unit.utf8.count + 1)
            let pieces = Tokenizer.pieces(Substring(word))
            #expect(pieces.count == 3, "\(unit.debugDescription): \(pieces.count) pieces")
            #expect(pieces.allSatisfy { $0.utf8.count <= cap && !$0.isEmpty })
            #expect(pieces.joined() == word)
            let whole = tok.encode(word, addSpecial: false, parseSpecial: false)
            let parts = pieces.flatMap { tok.encode(String($0), addSpecial: false, parseSpecial: false) }
            #expect(whole == parts, "\(unit.debugDescription)")
        }
        let short = String(repeating: "x", count: cap)
        #expect(Tokenizer.pieces(Substring(short)).count == 1)
    }

    @Test func spmHeapMergeEqualsFullRescan() throws {
        let tok = try Tokenizer(file: GGUFFile(path: try ReferenceVocabularies.path("llama-spm")))
        for word in Self.randomWords() {
            var symbols = ("\u{2581}" + word).unicodeScalars.map { String($0) }
            while symbols.count > 1 {
                var best = -Float.infinity, at = -1
                for i in 0..<(symbols.count - 1) {
                    if let id = tok.id(of: symbols[i] + symbols[i + 1]), tok.scores[Int(id)] > best { best = tok.scores[Int(id)]; at = i }
                }
                if at < 0 { break }
                symbols[at] += symbols[at + 1]
                symbols.remove(at: at + 1)
            }
            let want = symbols.compactMap { tok.id(of: $0) }
            #expect(tok.encode(word, addSpecial: false, parseSpecial: false) == want, "\(word)")
        }
    }

    @Test func cancellationStopsALongTokenization() throws {
        let tok = try Tokenizer(file: GGUFFile(path: try ReferenceVocabularies.path("qwen2")))
        let cancel = CancelCheck()
        cancel.cancel()
        #expect(throws: TokenizerError.cancelled) {
            try tok.encode(String(repeating: "word ", count: 10000), cancel: cancel)
        }
    }

    /// Special tokens that overlap: the longer one wins wherever it occurs, as llama.cpp partitions (each special
    /// in priority order takes its leftmost occurrences in what the earlier ones left).
    @Test func overlappingSpecialsFollowLlamaCppPriority() throws {
        let tok = try Tokenizer(file: GGUFFile(path: try ReferenceVocabularies.path("qwen2")))
        let end = try #require(tok.id(of: "<|im_end|>")), start = try #require(tok.id(of: "<|im_start|>"))
        let ids = tok.encode("<|im_start|><|im_end|><|im_end|>x<|im_start|>", addSpecial: false, parseSpecial: true)
        #expect(ids.filter { $0 == end }.count == 2)
        #expect(ids.filter { $0 == start }.count == 2)
        #expect(ids.first == start && ids.last == start)
        // With special parsing off, control tokens are plain text.
        #expect(!tok.encode("<|im_end|>", addSpecial: false, parseSpecial: false).contains(end))
    }
}

@Suite struct TemplateHardeningTests {
    static func render(_ src: String, _ ctx: [String: JinjaValue] = [:]) throws -> String {
        try JinjaTemplate(src).render(ctx)
    }

    @Test(arguments: ["9223372036854775807 + 1", "9223372036854775807 * 2", "-9223372036854775807 - 2",
                      "(-9223372036854775807 - 1) // -1", "(-9223372036854775807 - 1) % -1", "-(-9223372036854775807 - 1)",
                      "4611686018427387904 * 4", "1 // 0", "1 % 0"])
    func integerOverflowIsAnError(expr: String) {
        #expect(throws: TokenizerError.self) { try Self.render("{{ \(expr) }}") }
    }

    @Test func floorDivisionAndModuloFollowPython() throws {
        #expect(try Self.render("{{ -7 // 2 }} {{ 7 // -2 }} {{ -7 % 3 }} {{ 7 % -3 }} {{ 7 // 2 }} {{ -6 // 3 }}") == "-4 -4 2 -2 3 -2")
    }

    @Test(arguments: [
        String(repeating: "(", count: 100_000) + "1" + String(repeating: ")", count: 100_000),
        String(repeating: "not ", count: 100_000) + "1",
        String(repeating: "-", count: 100_000) + "1",
        Array(repeating: "1", count: 100_000).joined(separator: " + "),
        "x" + String(repeating: "|trim", count: 100_000),
        String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000),
    ])
    func deepExpressionsAreErrorsNotStackOverflows(expr: String) {
        #expect(throws: TokenizerError.self) { try Self.render("{{ \(expr) }}") }
    }

    @Test func deepBlocksAreErrors() {
        let src = String(repeating: "{% if true %}", count: 100_000) + "x" + String(repeating: "{% endif %}", count: 100_000)
        #expect(throws: TokenizerError.self) { try Self.render(src) }
        // A broken template in a model file falls back to ChatML instead of crashing the load.
        #expect(ChatTemplate(source: src).fallbackReason != nil)
    }

    @Test(arguments: ["{{ range(10000000000)|length }}", "{{ 'x' * 10000000000 }}", "{{ ('x' * 1000000) * 1000 }}",
                      "{% set ns = namespace(s='ab') %}{% for i in range(100) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s|length }}",
                      "{% set ns = namespace(l=[1]) %}{% for i in range(64) %}{% set ns.l = ns.l + ns.l %}{% endfor %}{{ ns.l|length }}",
                      "{% set ns = namespace(l=[]) %}{% for i in range(100000) %}{% set ns.l = [ns.l] %}{% endfor %}{{ ns.l }}",
                      "{% for i in range(1000000) %}{% for j in range(1000000) %}{% endfor %}{% endfor %}",
                      "{% macro m(n) %}{{ m(n + 1) }}{% endmacro %}{{ m(0) }}",
                      "{{ (1e300 * 1e300)|int }}", "{{ range(0, 10, 0) }}"])
    func runawayTemplatesHitALimit(src: String) {
        let t0 = Date()
        #expect(throws: TokenizerError.self) { try Self.render(src) }
        #expect(Date().timeIntervalSince(t0) < 30)
    }

    @Test func rangeTakesAStepAsPythonDoes() throws {
        #expect(try Self.render("{{ range(0, 10, 3)|join(',') }} {{ range(5, 0, -2)|join(',') }} {{ range(3)|join(',') }}") == "0,3,6,9 5,3,1 0,1,2")
    }
}
