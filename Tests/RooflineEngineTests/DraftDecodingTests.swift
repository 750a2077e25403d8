import Foundation
import Testing
import RooflineEngine
import RooflineGGUF
import RooflineSampling
import RooflineTestSupport

/// Speculative decoding with a draft model: greedy output is plain greedy decoding's, sampled output keeps the
/// target's distribution, and drafts that do not match or fit are refused with the reason.
@Suite(.serialized) struct DraftDecodingTests {
    /// A tiny random model written to a file of its own (weights from `seed`, same vocabulary for every seed).
    static func tiny(seed: UInt64, edit: (inout GGUFWriter) -> Void = { _ in }) throws -> String {
        var w = try TinyModel.make(TinyModel.Shape(), seed: seed)
        edit(&w)
        let p = Fixtures.temporaryPath("draft-tiny-\(seed)-\(UUID().uuidString.prefix(8)).gguf")
        try w.write(to: p)
        return p
    }

    static let prompts = [
        "def add(a, b):\n    return a + b\n",
        "The quick brown fox jumps over the lazy dog. The quick brown",
        "List three colours.",
        "Once upon a time there was a king who",
        "1, 2, 3, 4, 5,",
    ]

    /// The default model drafting for itself proposes what it would choose, so nearly every proposal holds;
    /// the tokens are plain decoding's either way.
    @Test(arguments: prompts)
    func greedyWithADraftEqualsPlainDecoding(prompt: String) throws {
        let e = try #require(DefaultModel.engine)
        let draft = try DraftModel(path: try #require(DefaultModel.path), target: e)
        let plain = try e.generate(prompt: e.tokenize(prompt), options: GenerationOptions(maxTokens: 40, sampling: .init(temperature: 0)))
        var o = GenerationOptions(maxTokens: 40, sampling: .init(temperature: 0))
        o.draft = draft
        o.draftTokens = 6
        let spec = try e.generate(prompt: e.tokenize(prompt), options: o)
        #expect(spec.tokens == plain.tokens, "\(prompt.debugDescription): \(spec.text.debugDescription) vs \(plain.text.debugDescription)")
        #expect(spec.finishReason == plain.finishReason)
        #expect(spec.proposedTokens > 0 && spec.acceptedTokens * 10 >= spec.proposedTokens * 8,
                "\(spec.acceptedTokens) of \(spec.proposedTokens) accepted")
    }

    /// A draft limited to the first 300 token ids proposes only among them, and the text is still plain greedy.
    @Test func aReducedDraftVocabularyKeepsTheText() throws {
        let e = try #require(DefaultModel.engine)
        let draft = try DraftModel(path: try #require(DefaultModel.path), target: e)
        draft.vocabularyLimit = 300
        draft.minProbability = 0
        let prompt = "1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,"
        let plain = try e.generate(prompt: e.tokenize(prompt), options: GenerationOptions(maxTokens: 40, sampling: .init(temperature: 0)))
        var o = GenerationOptions(maxTokens: 40, sampling: .init(temperature: 0))
        o.draft = draft
        let spec = try e.generate(prompt: e.tokenize(prompt), options: o)
        #expect(spec.tokens == plain.tokens)
        #expect(spec.proposedTokens > 0)
        // The limited head: logits past the limit are -infinity, the rest as the whole head computes them.
        let full = try DraftModel(path: try #require(DefaultModel.path), target: e)
        full.vocabularyLimit = nil
        let v = e.model.config.vocabSize
        var a = [Float](repeating: 0, count: v), b = a
        let tokens = e.tokenize(prompt)
        try a.withUnsafeMutableBufferPointer { try draft.engine.model.forward(tokens: tokens, cache: draft.engine.model.makeCache(capacity: 64), logits: $0.baseAddress!, allLogits: false) }
        try b.withUnsafeMutableBufferPointer { try full.engine.model.forward(tokens: tokens, cache: full.engine.model.makeCache(capacity: 64), logits: $0.baseAddress!, allLogits: false) }
        #expect(a[..<300] == b[..<300])
        #expect(a[300...].allSatisfy { $0 == -.infinity })
    }

    /// A draft with other weights is often wrong: its rejected proposals are rolled back (the target's cache
    /// cut back, the draft's resynchronised) and the output is still plain greedy decoding's, also with lookup.
    @Test func aDifferentDraftAndLookupStillGivePlainGreedyTokens() throws {
        let target = try Engine(path: try Self.tiny(seed: 1), threads: 1, contextSize: 128)
        let draft = try DraftModel(path: try Self.tiny(seed: 2), target: target)
        draft.minProbability = 0  // always propose, so that rejections happen
        for prompt in Self.prompts {
            let plain = try target.generate(prompt: target.tokenize(prompt), options: GenerationOptions(maxTokens: 48, sampling: .init(temperature: 0)))
            for lookup in [0, 4] {
                var o = GenerationOptions(maxTokens: 48, sampling: .init(temperature: 0))
                o.draft = draft
                o.draftTokens = 5
                o.lookupTokens = lookup
                let spec = try target.generate(prompt: target.tokenize(prompt), options: o)
                #expect(spec.tokens == plain.tokens, "\(prompt.debugDescription), lookup \(lookup)")
                #expect(spec.proposedTokens > spec.acceptedTokens, "some proposals must have been rejected")
            }
        }
    }

    /// The acceptance rule alone: proposals drawn from a draft distribution q far from the target's p, each kept
    /// with probability min(1, p/q) or replaced by a draw from the residual; 20,000 tokens against p by a
    /// chi-square test at significance 0.001. Keeping every proposal would give q, which the same test rejects.
    @Test func theAcceptanceRuleGivesTheTargetsDistribution() {
        let vocab = 12
        var rng = TestRandom(seed: 3)
        let targetLogits = (0..<vocab).map { _ in rng.unit() * 2 }
        let draftLogits = (0..<vocab).map { _ in rng.unit() * 2 }
        func softmax(_ x: [Float]) -> [Double] {
            let m = x.max()!, e = x.map { exp(Double($0 - m)) }, s = e.reduce(0, +)
            return e.map { $0 / s }
        }
        let p = softmax(targetLogits), q = softmax(draftLogits)
        var sampler = Sampler(SamplingParameters(temperature: 1, topK: 0, topP: 1, minP: 0, seed: 9))
        let qf = q.map(Float.init)
        let n = 20_000
        var counts = [Int](repeating: 0, count: vocab)
        var kept = 0
        for _ in 0..<n {
            // A proposal drawn from q with the test's own random stream.
            var u = Double(rng.next() >> 11) * 0x1.0p-53, x = vocab - 1
            for (i, qi) in q.enumerated() { u -= qi; if u < 0 { x = i; break } }
            var logits = targetLogits
            let t = logits.withUnsafeMutableBufferPointer { l in qf.withUnsafeBufferPointer { sampler.verify(l, proposal: Int32(x), draft: $0) } }
            counts[Int(t)] += 1
            if Int(t) == x { kept += 1 }
        }
        let chi = (0..<vocab).reduce(0.0) { s, i in s + pow(Double(counts[i]) - p[i] * Double(n), 2) / (p[i] * Double(n)) }
        let critical = Self.chiSquareCritical(df: Double(vocab - 1))
        #expect(chi < critical, "chi-square \(chi), critical \(critical)")
        #expect(kept > n / 10 && kept < n - n / 10, "\(kept) of \(n) proposals kept")
        // Power: q's expected chi-square against p at this n is far past the bound.
        let drift = (0..<vocab).reduce(0.0) { s, i in s + pow(q[i] - p[i], 2) / p[i] } * Double(n)
        #expect(drift > 10 * critical, "the draft's distribution must be told apart from the target's: \(drift)")
    }

    /// The 0.999 quantile of chi-square with `df` degrees of freedom (Wilson-Hilferty; z = 3.090).
    static func chiSquareCritical(df: Double) -> Double {
        let h = 2 / (9 * df)
        return df * pow(1 - h + 3.090 * h.squareRoot(), 3)
    }

    /// End to end: 12,000 generations of two tokens, the second checked against a draft of the same weights in
    /// another format (Q4_0 against the target's Q8_0, so most proposals hold and some are resampled from the
    /// residual): the two tokens' joint frequencies against the target's exact probabilities, by a chi-square
    /// test at significance 0.001.
    @Test func sampledTokensFollowTheTargetsDistribution() throws {
        let target = try Engine(path: try Self.tiny(seed: 1), threads: 1, contextSize: 64)
        var shape = TinyModel.Shape()
        shape.weightType = .q4_0
        let draftPath = Fixtures.temporaryPath("draft-tiny-q4_0-\(UUID().uuidString.prefix(8)).gguf")
        try TinyModel.make(shape, seed: 1).write(to: draftPath)
        let draft = try DraftModel(path: draftPath, target: target)
        let prompt = target.tokenize("the cat")
        let params = SamplingParameters(temperature: 1.5, topK: 5, topP: 1, minP: 0, seed: 0)
        // Exact joint probabilities P(t1) P(t2 | t1) of the target under these parameters.
        let vocab = target.model.config.vocabSize
        func dist(_ tokens: [Int32]) throws -> [(id: Int32, p: Float)] {
            let cache = target.model.makeCache(capacity: 64)
            var logits = [Float](repeating: 0, count: vocab)
            try logits.withUnsafeMutableBufferPointer { try target.model.forward(tokens: tokens, cache: cache, logits: $0.baseAddress!, allLogits: false) }
            var s = Sampler(params)
            return logits.withUnsafeMutableBufferPointer { s.distribution($0) }
        }
        var expected: [[Int32]: Double] = [:]
        for (t1, p1) in try dist(prompt) {
            for (t2, p2) in try dist(prompt + [t1]) { expected[[t1, t2]] = Double(p1) * Double(p2) }
        }
        let runs = 12_000
        var observed: [[Int32]: Int] = [:]
        var proposed = 0, accepted = 0
        for seed in 0..<runs {
            var p = params
            p.seed = UInt64(seed) &* 0x9E37_79B9 &+ 17
            var o = GenerationOptions(maxTokens: 2, sampling: p)
            o.ignoreEOS = true
            o.draft = draft
            o.draftTokens = 1
            let r = try target.generate(prompt: prompt, options: o)
            try #require(r.tokens.count == 2)
            observed[r.tokens, default: 0] += 1
            proposed += r.proposedTokens
            accepted += r.acceptedTokens
        }
        #expect(proposed == runs && accepted > runs / 4 && accepted < proposed, "\(accepted) of \(proposed) accepted")
        // Cells expected at least 5 times stand alone; the rest are pooled.
        var chi = 0.0, cells = 0, restE = 0.0, restO = 0
        for (pair, p) in expected {
            let e = p * Double(runs), o = Double(observed[pair] ?? 0)
            if e >= 5 { chi += (o - e) * (o - e) / e; cells += 1 } else { restE += e; restO += observed[pair] ?? 0 }
        }
        let outside = observed.filter { expected[$0.key] == nil }.values.reduce(0, +)
        #expect(outside == 0, "\(outside) samples outside the target's support")
        if restE >= 5 { chi += (Double(restO) - restE) * (Double(restO) - restE) / restE; cells += 1 }
        let critical = Self.chiSquareCritical(df: Double(cells - 1))
        #expect(cells >= 8 && chi < critical, "chi-square \(chi) over \(cells) cells, critical \(critical)")
    }

    @Test func aDraftWithAnotherTokenizerIsRefused() throws {
        let target = try Engine(path: try Self.tiny(seed: 1), threads: 1, contextSize: 64)
        let other = try #require(DefaultModel.path)
        #expect { try DraftModel(path: other, target: target) } throws: { "\($0)".contains("vocabulary differs") && "\($0)".contains("49152 tokens") }
        let changed = try Self.tiny(seed: 2) { w in
            var tokens = (0..<300).map { GGUFValue.string("<unused\($0)>") }
            if case .array(_, let old)? = w.metadata.first(where: { $0.key == "tokenizer.ggml.tokens" })?.value { tokens = old }
            tokens[270] = .string("<changed>")
            w.set("tokenizer.ggml.tokens", .array(.string, tokens))
        }
        #expect { try DraftModel(path: changed, target: target) } throws: { "\($0)".contains("token 270 is \"<changed>\" in the draft") }
    }

    @Test func aDraftThatDoesNotFitIsRefused() throws {
        let target = try Engine(path: try Self.tiny(seed: 1), threads: 1, contextSize: 64)
        #expect { try DraftModel(path: try Self.tiny(seed: 2), target: target, memoryLimit: 100_000) } throws: { "\($0)".contains("does not fit") }
        _ = try DraftModel(path: try Self.tiny(seed: 2), target: target, memoryLimit: 100_000_000)
    }
}
