/// Chooses tokens from logits: repetition penalty → top-k → top-p → min-p → temperature → draw
/// (llama.cpp's default sampler chain order), or argmax when the temperature is 0.
public struct Sampler: Sendable {
    public let parameters: SamplingParameters
    private var rng: RandomSource
    private var candidates: [(id: Int32, logit: Float)] = []

    public init(_ parameters: SamplingParameters) {
        self.parameters = parameters
        rng = RandomSource(seed: parameters.seed)
    }

    /// Index of the largest logit (lowest id on ties).
    public static func argmax(_ logits: UnsafeBufferPointer<Float>) -> Int32 {
        guard let base = logits.baseAddress else { return 0 }
        let n = logits.count
        // The largest value, 16 lanes at a time (NaN never compares greater, as in a plain loop), then the
        // first index that holds it: the same answer as the plain loop (first of equal maxima, 0 when nothing
        // beats -inf), without its serial dependency on every compare (greedy decode runs this per token over
        // the whole vocabulary while the other threads wait).
        var lanes = SIMD16<Float>(repeating: -.infinity)
        let raw = UnsafeRawPointer(base)
        for k in 0..<n / 16 {
            let x = raw.loadUnaligned(fromByteOffset: 64 * k, as: SIMD16<Float>.self)
            lanes.replace(with: x, where: x .> lanes)
        }
        let i = n / 16 * 16
        var bv = lanes.max()
        for j in i..<n where base[j] > bv { bv = base[j] }
        guard bv > -.infinity else { return 0 }
        for j in 0..<n where base[j] == bv { return Int32(j) }
        return 0
    }

    /// Picks the next token. `recent` are the tokens seen so far (for the repetition penalty).
    public mutating func sample(_ logits: UnsafeMutableBufferPointer<Float>, recent: ArraySlice<Int32> = []) -> Int32 {
        applyPenalties(logits, recent: recent)
        guard parameters.temperature > 0, let probs = filtered(logits) else { return Self.argmax(UnsafeBufferPointer(logits)) }
        return draw(probs)
    }

    /// The tokens `sample` would draw from and their probabilities, best first (one token of probability 1 at
    /// temperature 0): the target's distribution p for speculative sampling. Penalties are applied to `logits`
    /// in place, as `sample` applies them.
    public mutating func distribution(_ logits: UnsafeMutableBufferPointer<Float>, recent: ArraySlice<Int32> = []) -> [(id: Int32, p: Float)] {
        applyPenalties(logits, recent: recent)
        guard parameters.temperature > 0, let probs = filtered(logits) else { return [(Self.argmax(UnsafeBufferPointer(logits)), 1)] }
        return zip(candidates, probs).map { ($0.id, $1) }
    }

    /// Speculative sampling's acceptance rule (Leviathan et al. 2023; Chen et al. 2023): a token `proposal` drawn
    /// from a draft's distribution `q` (one probability per vocabulary id) is kept with probability
    /// min(1, p/q); otherwise the token is drawn from the normalised residual max(0, p - q). Either way the
    /// token returned is distributed as `sample`'s would be. Penalties are applied to `logits` in place.
    public mutating func verify(_ logits: UnsafeMutableBufferPointer<Float>, recent: ArraySlice<Int32> = [], proposal: Int32,
                                draft q: UnsafeBufferPointer<Float>) -> Int32 {
        let dist = distribution(logits, recent: recent)
        let qx = Int(proposal) < q.count && proposal >= 0 ? q[Int(proposal)] : 0
        let px = dist.first(where: { $0.id == proposal })?.p ?? 0
        if qx > 0, Float(rng.nextUnit()) < min(1, px / qx) { return proposal }
        var residual = dist.map { max(0, $0.p - (Int($0.id) < q.count ? q[Int($0.id)] : 0)) }
        let total = residual.reduce(0, +)
        if total > 0 {
            for i in residual.indices { residual[i] /= total }
        } else {
            residual = dist.map(\.p)  // p ≤ q everywhere only when they are equal up to rounding: draw from p
        }
        return dist[drawIndex(residual)].id
    }

    /// One draw from a distribution such as `distribution` returns.
    public mutating func draw(from dist: [(id: Int32, p: Float)]) -> Int32 {
        dist.isEmpty ? 0 : dist[drawIndex(dist.map(\.p))].id
    }

    /// llama.cpp's penalties sampler: per distinct token of the window, the repetition penalty, then count ×
    /// frequency + presence subtracted.
    private func applyPenalties(_ logits: UnsafeMutableBufferPointer<Float>, recent: ArraySlice<Int32>) {
        let p = parameters
        guard p.repetitionWindow > 0 && (p.repetitionPenalty != 1 || p.frequencyPenalty != 0 || p.presencePenalty != 0) else { return }
        var counts: [Int32: Int] = [:]
        for t in recent.suffix(p.repetitionWindow) where t >= 0 && Int(t) < logits.count { counts[t, default: 0] += 1 }
        for (t, n) in counts {
            var l = logits[Int(t)]
            l = l <= 0 ? l * p.repetitionPenalty : l / p.repetitionPenalty
            logits[Int(t)] = l - (Float(n) * p.frequencyPenalty + p.presencePenalty)
        }
    }

    /// Top-k → top-p → min-p → temperature: leaves the kept tokens in `candidates`, best first, and returns
    /// their probabilities (nil when no logit is a number).
    private mutating func filtered(_ logits: UnsafeMutableBufferPointer<Float>) -> [Float]? {
        let p = parameters
        candidates.removeAll(keepingCapacity: true)
        if p.topK > 0 && p.topK < logits.count {
            selectTop(p.topK, of: UnsafeBufferPointer(logits))
        } else {
            for i in 0..<logits.count where logits[i].isFinite || logits[i] == .infinity { candidates.append((Int32(i), logits[i])) }
            candidates.sort { Self.before($0, $1) }
        }
        guard !candidates.isEmpty else { return nil }

        // Probabilities at temperature 1 for the top-p and min-p filters (as llama.cpp computes them).
        var probs = softmax(candidates.map { $0.logit })
        if p.topP < 1 {
            var cum: Float = 0
            var keep = candidates.count
            for (i, q) in probs.enumerated() {
                cum += q
                if cum >= p.topP { keep = i + 1; break }
            }
            candidates.removeLast(candidates.count - keep)
            probs.removeLast(probs.count - keep)
        }
        if p.minP > 0, let top = probs.first {
            let keep = max(1, probs.firstIndex(where: { $0 < p.minP * top }) ?? probs.count)
            candidates.removeLast(candidates.count - keep)
        }
        return softmax(candidates.map { $0.logit / p.temperature })
    }

    /// One draw from the candidates with probabilities `probs`.
    private mutating func draw(_ probs: [Float]) -> Int32 { candidates[drawIndex(probs)].id }

    /// The index one uniform draw lands on among `weights` (probabilities summing to about 1; the last when
    /// rounding leaves the sum short of the draw). `weights` must not be empty.
    private mutating func drawIndex(_ weights: [Float]) -> Int {
        let u = Float(rng.nextUnit())
        var cum: Float = 0
        for (i, w) in weights.enumerated() {
            cum += w
            if u < cum { return i }
        }
        return weights.count - 1
    }

    /// Candidate order: larger logit first, lower id first among equal logits.
    private static func before(_ a: (id: Int32, logit: Float), _ b: (id: Int32, logit: Float)) -> Bool {
        a.logit != b.logit ? a.logit > b.logit : a.id < b.id
    }

    /// The k best candidates in order, in one pass over the vocabulary (the same k, in the same order, as
    /// sorting everything and keeping the first k, without sorting 50,000 logits per token).
    private mutating func selectTop(_ k: Int, of logits: UnsafeBufferPointer<Float>) {
        for i in 0..<logits.count {
            let l = logits[i]
            guard l.isFinite || l == .infinity else { continue }
            let c = (id: Int32(i), logit: l)
            if candidates.count == k {
                guard Self.before(c, candidates[k - 1]) else { continue }
                candidates.removeLast()
            }
            var lo = 0, hi = candidates.count  // first position c goes before
            while lo < hi {
                let mid = (lo + hi) / 2
                if Self.before(candidates[mid], c) { lo = mid + 1 } else { hi = mid }
            }
            candidates.insert(c, at: lo)
        }
    }

    private func softmax(_ x: [Float]) -> [Float] {
        guard let mx = x.max() else { return [] }
        var e = x.map { expf($0 - mx) }
        let s = e.reduce(0, +)
        for i in e.indices { e[i] /= s }
        return e
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
