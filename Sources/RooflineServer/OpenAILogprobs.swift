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

    private func entry(_ id: Int32, _ lp: Float, top: [TokenLogprobEntry]? = nil) -> TokenLogprobEntry {
        let bytes = piece(id)
        return TokenLogprobEntry(token: String(decoding: bytes, as: UTF8.self), logprob: value(lp), bytes: bytes.map(Int.init), top_logprobs: top)
    }

    /// Chat: `{"content": [...]}` for these tokens.
    func chat(_ lps: [TokenLogprob]) -> Logprobs {
        .chat(lps.map { lp in entry(lp.token, lp.logprob, top: lp.top.map { entry($0.token, $0.logprob) }) })
    }

    /// Completions: parallel lists; offsets count characters from `offset` (the text before these tokens).
    func completion(_ lps: [TokenLogprob], offset: Int = 0) -> Logprobs {
        var offsets: [Int] = []
        var at = offset
        var tokens: [String] = []
        for lp in lps {
            let text = String(decoding: piece(lp.token), as: UTF8.self)
            tokens.append(text)
            offsets.append(at)
            at += text.count
        }
        let top = lps.map { lp in
            Dictionary(lp.top.map { (String(decoding: piece($0.token), as: UTF8.self), value($0.logprob)) }, uniquingKeysWith: { a, _ in a })
        }
        return .completion(tokens: tokens, token_logprobs: lps.map { value($0.logprob) }, top_logprobs: top, text_offset: offsets)
    }
}

/// A choice's log-probabilities in its endpoint's shape.
enum Logprobs: Encodable, Sendable {
    /// Chat: `{"content": [entry…]}`.
    case chat([TokenLogprobEntry])
    /// Completions: parallel lists, the alternatives as `{text: logprob}` objects.
    case completion(tokens: [String], token_logprobs: [Double], top_logprobs: [[String: Double]], text_offset: [Int])

    private enum Key: String, CodingKey { case content, tokens, token_logprobs, top_logprobs, text_offset }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        switch self {
        case .chat(let entries):
            try c.encode(entries, forKey: .content)
        case .completion(let tokens, let logprobs, let top, let offsets):
            try c.encode(tokens, forKey: .tokens)
            try c.encode(logprobs, forKey: .token_logprobs)
            try c.encode(top, forKey: .top_logprobs)
            try c.encode(offsets, forKey: .text_offset)
        }
    }
}

/// One token of chat's `logprobs.content` (its alternatives in `top_logprobs`, which they themselves lack).
struct TokenLogprobEntry: Encodable, Sendable {
    let token: String
    let logprob: Double
    let bytes: [Int]
    var top_logprobs: [TokenLogprobEntry]?
}
