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
}
