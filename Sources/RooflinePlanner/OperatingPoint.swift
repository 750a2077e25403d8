import Foundation

/// One operating point of a deployment under a workload: how many requests run at once and what each step costs.
public struct OperatingPoint: Sendable {
    /// Requests decoding at once, over all pipeline micro-batches.
    public var batch: Int
    /// One step of one micro-batch (its decodes and its share of prefill), plus the draft's steps when speculating.
    public var step: PhaseTime
    /// Draft-model time inside `stepS` (0 without speculation).
    public var draftS: Double
    /// Output tokens each request gains per step (1, or more with speculation).
    public var tokensPerStep: Double
    public var ttftS: Double?
    /// What `ttftS` is made of: the wait for the step under way, then a step prefilling this many whole prompts.
    public var ttftWaitS = 0.0
    public var ttftPrompts = 1
    /// FLOPs per byte of the step (the roofline chart's x).
    public var intensity: Double
    /// The 99th percentile over requests of their time per output token (`ScenarioModel.tpotP99`); nil: `tpotS`.
    public var p99TPOTS: Double?

    /// Wall time of one step.
    public var stepS: Double { step.totalS + draftS }
    /// Time per output token seen by one request.
    public var tpotS: Double { stepS / tokensPerStep }
    /// The p99 over requests of their time per output token, what a p99 TPOT limit is checked against.
    public var tpotP99S: Double { max(p99TPOTS ?? tpotS, tpotS) }
    /// Output tokens per second over the whole deployment.
    public var aggregateTokensPerS: Double { Double(batch) * tokensPerStep / stepS }
}
