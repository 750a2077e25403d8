import Foundation

/// Speculative decoding: a draft proposes `draftTokens` tokens per step, each accepted with probability
/// `acceptance` (independently, stopping at the first rejection), and the target verifies them in one pass.
public struct Speculation: Sendable, Equatable {
    public var draftTokens: Int
    public var acceptance: Double
    /// The draft model; nil means a one-layer head on the target (EAGLE-style): one decoder layer of the target's
    /// shape plus its output head, run once per draft token.
    public var draft: ModelDescription?

    public init(draftTokens: Int, acceptance: Double, draft: ModelDescription? = nil) {
        self.draftTokens = draftTokens
        self.acceptance = acceptance
        self.draft = draft
    }

    /// Expected tokens emitted per verification: (1 − a^(k+1)) / (1 − a), the accepted draft tokens plus the
    /// target's own next token.
    public var tokensPerStep: Double {
        let a = acceptance, k = Double(draftTokens)
        return a >= 1 ? k + 1 : (1 - pow(a, k + 1)) / (1 - a)
    }

    /// Parses `TOKENS:ACCEPTANCE` (e.g. `4:0.7`); the draft model is set separately.
    public static func parse(_ s: String) throws(PlannerError) -> Speculation {
        let parts = s.split(separator: ":").map(String.init)
        guard parts.count == 2, let k = Int(parts[0]), let a = Double(parts[1]), (1...64).contains(k), a >= 0, a <= 1 else {
            throw .invalidWorkload("--speculative takes TOKENS:ACCEPTANCE, 1-64 draft tokens and an acceptance in [0, 1] (got '\(s)')")
        }
        return Speculation(draftTokens: k, acceptance: a)
    }
}
