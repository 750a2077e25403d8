import Foundation
import RooflineSampling
import RooflineTokenizer

/// OpenAI's log-probability shapes: chat's `logprobs.content` entries (`token`, `logprob`, `bytes`,
/// `top_logprobs`) and the legacy completions object (`tokens`, `token_logprobs`, `top_logprobs`, `text_offset`).
/// A probability of zero is written as -9999, as OpenAI does (JSON has no -infinity).
struct LogprobFormat: Sendable {
    let tokenizer: Tokenizer

    private func value(_ lp: Float) -> Double { lp.isFinite ? Double(lp) : -9999 }

    private func piece(_ id: Int32) -> [UInt8] { tokenizer.piece(id, special: true) }

    private func entry(_ id: Int32, _ lp: Float) -> [String: Any] {
        let bytes = piece(id)
        return ["token": String(decoding: bytes, as: UTF8.self), "logprob": value(lp), "bytes": bytes.map(Int.init)]
    }

    /// Chat: `{"content": [...]}` for these tokens.
    func chat(_ lps: [TokenLogprob]) -> [String: Any] {
        ["content": lps.map { lp -> [String: Any] in
            var e = entry(lp.token, lp.logprob)
            e["top_logprobs"] = lp.top.map { entry($0.token, $0.logprob) }
            return e
        }]
    }

    /// Completions: parallel lists; offsets count characters from `offset` (the text before these tokens).
    func completion(_ lps: [TokenLogprob], offset: Int = 0) -> [String: Any] {
        var offsets: [Int] = []
        var at = offset
        var tokens: [String] = []
        for lp in lps {
            let text = String(decoding: piece(lp.token), as: UTF8.self)
            tokens.append(text)
            offsets.append(at)
            at += text.count
        }
        let top: [Any] = lps.map { lp in
            Dictionary(lp.top.map { (String(decoding: piece($0.token), as: UTF8.self), value($0.logprob)) }, uniquingKeysWith: { a, _ in a })
        }
        return ["tokens": tokens, "token_logprobs": lps.map { value($0.logprob) }, "top_logprobs": top, "text_offset": offsets]
    }
}
