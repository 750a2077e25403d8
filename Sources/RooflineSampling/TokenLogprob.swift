/// The log-probability of a chosen token and of the most likely alternatives, from the distribution the sampler
/// drew from: the logits after the repetition penalties, divided by the temperature (by 1 for greedy decoding),
/// through a log-softmax over the whole vocabulary.
public struct TokenLogprob: Sendable, Equatable {
    public var token: Int32
    public var logprob: Float
    /// The `count` most likely tokens, most likely first (ties: lower id first).
    public var top: [(token: Int32, logprob: Float)]

    public static func == (a: TokenLogprob, b: TokenLogprob) -> Bool {
        a.token == b.token && a.logprob == b.logprob && a.top.map(\.token) == b.top.map(\.token) && a.top.map(\.logprob) == b.top.map(\.logprob)
    }

    /// Log-softmax of `logits / temperature` at `token`, with the `top` most likely tokens.
    public static func compute(_ logits: UnsafeBufferPointer<Float>, temperature: Float, token: Int32, top: Int) -> TokenLogprob {
        let t = temperature > 0 ? temperature : 1
        var mx = -Float.infinity
        for l in logits where l / t > mx { mx = l / t }
        var sum: Double = 0
        if mx > -.infinity { for l in logits { sum += Double(expf(l / t - mx)) } }
        let logZ = mx + Float(log(sum))
        func lp(_ i: Int) -> Float { mx == -.infinity ? -.infinity : logits[i] / t - logZ }
        var best: [(token: Int32, logprob: Float)] = []
        if top > 0 {
            // A bounded selection: keep the `top` largest, ordered, in one pass.
            for i in 0..<logits.count {
                let v = lp(i)
                if best.count == top, let last = best.last, !(v > last.logprob) { continue }
                var at = best.count
                while at > 0 && v > best[at - 1].logprob { at -= 1 }
                best.insert((Int32(i), v), at: at)
                if best.count > top { best.removeLast() }
            }
        }
        return TokenLogprob(token: token, logprob: Int(token) < logits.count && token >= 0 ? lp(Int(token)) : -.infinity, top: best)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
