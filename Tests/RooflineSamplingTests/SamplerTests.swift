import Foundation
import Testing
import RooflineSampling

@Suite struct SamplerTests {
    func logits(_ n: Int = 100) -> [Float] { (0..<n).map { Float(($0 * 37) % 100) / 10 } }

    func draw(_ p: SamplingParameters, count: Int = 50) -> [Int32] {
        var s = Sampler(p)
        var l = logits()
        return (0..<count).map { _ in l.withUnsafeMutableBufferPointer { s.sample($0) } }
    }

    @Test func greedyPicksArgmax() {
        let l = logits()
        let best = Int32(l.firstIndex(of: l.max()!)!)
        #expect(draw(SamplingParameters(temperature: 0), count: 3) == [best, best, best])
    }

    /// The vectorised argmax against the plain loop (first of equal maxima, NaN skipped, 0 when nothing beats
    /// -inf), on awkward lengths with ties, NaNs and infinities placed in and out of the 16-lane body.
    @Test func argmaxMatchesThePlainLoop() {
        func plain(_ l: [Float]) -> Int32 {
            var best = 0, bv = -Float.infinity
            for i in l.indices where l[i] > bv { bv = l[i]; best = i }
            return Int32(best)
        }
        var state: UInt64 = 7
        func next() -> UInt64 { state = state &* 6364136223846793005 &+ 1442695040888963407; return state >> 33 }
        var cases: [[Float]] = [[], [.nan], [-.infinity, -.infinity], [.nan, -.infinity, .nan], [1, .nan, 1], [.infinity, 3, .infinity]]
        for n in [1, 15, 16, 17, 31, 33, 100, 49_152 + 5] {
            for mode in 0..<4 {
                var l = (0..<n).map { _ in Float(Int(next() % 7)) - 3 }  // many ties
                if mode == 1 { for _ in 0..<3 { l[Int(next()) % n] = .nan } }
                if mode == 2 { l[Int(next()) % n] = .infinity; l[n - 1] = .infinity }
                if mode == 3 { l = l.map { _ in -.infinity }; l[n - 1] = n > 1 ? -1 : .nan }
                cases.append(l)
            }
        }
        for l in cases {
            let got = l.withUnsafeBufferPointer { Sampler.argmax($0) }
            #expect(got == plain(l), "n = \(l.count)")
        }
    }

    @Test func sameSeedSameTokensOtherSeedOtherTokens() {
        let p = SamplingParameters(temperature: 1.5, topK: 0, topP: 1, minP: 0, seed: 42)
        #expect(draw(p) == draw(p))
        var q = p
        q.seed = 43
        #expect(draw(p) != draw(q))
    }

    @Test func topKLimitsChoices() {
        let l = logits()
        let top3 = Set(l.enumerated().sorted { $0.element > $1.element }.prefix(3).map { Int32($0.offset) })
        let got = Set(draw(SamplingParameters(temperature: 5, topK: 3, topP: 1, minP: 0, seed: 1), count: 300))
        #expect(got.isSubset(of: top3))
        #expect(got.count == 3)
    }

    @Test func topPAndMinPLimitChoices() {
        var l: [Float] = [10, 9.9, 0, 0, 0, 0]
        var s = Sampler(SamplingParameters(temperature: 1, topK: 0, topP: 0.9, minP: 0, seed: 3))
        var seen = Set<Int32>()
        for _ in 0..<200 { seen.insert(l.withUnsafeMutableBufferPointer { s.sample($0) }) }
        #expect(seen == [0, 1])
        var m = Sampler(SamplingParameters(temperature: 1, topK: 0, topP: 1, minP: 0.5, seed: 3))
        seen = []
        for _ in 0..<200 { seen.insert(l.withUnsafeMutableBufferPointer { m.sample($0) }) }
        #expect(seen == [0, 1])
    }

    @Test func repetitionPenaltyDemotesSeenTokens() {
        var l: [Float] = [2, 1.9, 0]
        var s = Sampler(SamplingParameters(temperature: 0, repetitionPenalty: 1.5))
        #expect(l.withUnsafeMutableBufferPointer { s.sample($0, recent: [0]) } == 1)
    }

    @Test func parametersAreValidated() {
        #expect(throws: SamplingParameters.ValidationError.self) { try SamplingParameters(temperature: -1).validate() }
        #expect(throws: SamplingParameters.ValidationError.self) { try SamplingParameters(topP: 0).validate() }
        #expect(throws: SamplingParameters.ValidationError.self) { try SamplingParameters(minP: 2).validate() }
        #expect(throws: SamplingParameters.ValidationError.self) { try SamplingParameters(topK: -3).validate() }
    }

    /// The one-pass top-k selection keeps the same candidates in the same order as sorting the whole
    /// vocabulary (ties broken by the lower id): every draw equals the full-sort chain's, written out here.
    @Test(arguments: [1, 3, 40, 999]) func topKSelectionEqualsFullSort(k: Int) {
        var gen = RandomSource(seed: UInt64(k))
        // 1000 logits on a coarse grid (many ties), some -inf and one NaN, which are never candidates.
        var l: [Float] = (0..<1000).map { _ in Float(gen.next() % 64) / 8 }
        l[5] = -.infinity
        l[17] = .nan
        let p = SamplingParameters(temperature: 0.9, topK: k, topP: 0.97, minP: 0.01, seed: 7)
        var sampler = Sampler(p)
        var rng = RandomSource(seed: p.seed)
        for _ in 0..<200 {
            var copy = l
            let got = copy.withUnsafeMutableBufferPointer { sampler.sample($0) }
            // The reference chain: sort everything, keep k, top-p, min-p, temperature, draw.
            var c = l.enumerated().filter { $0.element.isFinite }.map { (id: Int32($0.offset), logit: $0.element) }
            c.sort { $0.logit != $1.logit ? $0.logit > $1.logit : $0.id < $1.id }
            c = Array(c.prefix(k))
            func softmax(_ x: [Float]) -> [Float] {
                let m = x.max()!
                let e = x.map { expf($0 - m) }
                let t = e.reduce(0, +)
                return e.map { $0 / t }
            }
            var probs = softmax(c.map(\.logit))
            var cum: Float = 0
            var keep = c.count
            for (i, q) in probs.enumerated() { cum += q; if cum >= p.topP { keep = i + 1; break } }
            c = Array(c.prefix(keep))
            probs = Array(probs.prefix(keep))
            let minKeep = max(1, probs.firstIndex { $0 < p.minP * probs[0] } ?? probs.count)
            c = Array(c.prefix(minKeep))
            probs = softmax(c.map { $0.logit / p.temperature })
            let u = Float(rng.nextUnit())
            var want = c[c.count - 1].id
            cum = 0
            for (i, q) in probs.enumerated() { cum += q; if u < cum { want = c[i].id; break } }
            #expect(got == want)
        }
    }

    /// llama.cpp's penalties sampler: per distinct token of the window, the repetition penalty (divide positive
    /// logits, multiply the others), then count × frequency + presence subtracted; tokens outside the window
    /// untouched.
    @Test func penaltiesFollowLlamaCpp() {
        var l: [Float] = [2, -1, 0.5, 3, 1]
        var s = Sampler(SamplingParameters(temperature: 0, repetitionPenalty: 2, repetitionWindow: 4, frequencyPenalty: 0.25, presencePenalty: 0.5))
        let recent: [Int32] = [3, 0, 0, 1, 0]  // the window is the last 4: 0, 0, 1, 0
        _ = l.withUnsafeMutableBufferPointer { s.sample($0, recent: recent[...]) }
        let want0: Float = 2 / 2 - (3 * 0.25 + 0.5)
        let want1: Float = -1 * 2 - (1 * 0.25 + 0.5)
        #expect(l[0] == want0)
        #expect(l[1] == want1)
        #expect(l[2] == 0.5 && l[3] == 3 && l[4] == 1)
        #expect(throws: SamplingParameters.ValidationError.self) { try SamplingParameters(frequencyPenalty: 2.5).validate() }
    }
}

/// Log-probabilities of the sampled distribution: log-softmax of the (penalised) logits over the temperature.
@Suite struct TokenLogprobTests {
    @Test(arguments: [Float(1), 0.5, 0])
    func logprobsAreTheLogSoftmaxOverTheTemperature(temperature: Float) {
        var logits: [Float] = (0..<1000).map { Float(($0 * 7919) % 1000) / 100 - 5 }
        logits[17] = -.infinity
        let lp = logits.withUnsafeBufferPointer { TokenLogprob.compute($0, temperature: temperature, token: 3, top: 5) }
        let t = temperature > 0 ? Double(temperature) : 1
        let z = logits.reduce(0.0) { $0 + exp(Double($1) / t) }
        #expect(abs(Double(lp.logprob) - (Double(logits[3]) / t - log(z))) < 1e-4)
        let want = logits.enumerated().sorted { $0.element != $1.element ? $0.element > $1.element : $0.offset < $1.offset }.prefix(5)
        #expect(lp.top.map(\.token) == want.map { Int32($0.offset) })
        for (got, w) in zip(lp.top, want) { #expect(abs(Double(got.logprob) - (Double(w.element) / t - log(z))) < 1e-4) }
        let none = logits.withUnsafeBufferPointer { TokenLogprob.compute($0, temperature: temperature, token: 17, top: 0) }
        #expect(none.logprob == -.infinity && none.top.isEmpty)
    }
}
