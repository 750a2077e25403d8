import Foundation

/// How requests arrive and what they must get, as MLPerf's LLM scenarios define them.
public enum Scenario: String, CaseIterable, Sendable {
    /// The highest output-token throughput the deployment sustains, every request queued at once.
    case offline
    /// The highest throughput that meets the time-to-first-token and time-per-output-token limits.
    case server
    /// The same with MLPerf's interactive (tighter) limits.
    case interactive
    /// One user: batch 1.
    case single

    /// The default p99 limits (TTFT, TPOT) in seconds: MLPerf Inference's Llama 2 70B server limits (2 s, 200 ms)
    /// and its interactive ones (450 ms, 40 ms); none for offline and single.
    public var defaultLimits: (ttftS: Double, tpotS: Double)? {
        switch self {
        case .server: (2.0, 0.2)
        case .interactive: (0.45, 0.04)
        case .offline, .single: nil
        }
    }

    public static func parse(_ s: String) throws(PlannerError) -> Scenario {
        guard let v = Scenario(rawValue: s.lowercased()) else {
            throw .invalidWorkload("scenario '\(s)' is not one of \(allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return v
    }
}

/// How much KV cache an engine sets aside for a running request.
public enum KVReservation: String, CaseIterable, Sendable {
    /// Its whole prompt and output up front, so it is never evicted (TensorRT-LLM's default capacity scheduler,
    /// GUARANTEED_NO_EVICT).
    case full
    /// Only the tokens it holds so far, pages added as it grows (vLLM; requests may be preempted).
    case current
}

/// A stream of requests: mean prompt and output lengths, a scenario, and its latency limits.
public struct Workload: Sendable, Equatable {
    /// Mean input tokens of a request.
    public var prompt: Int
    /// Mean output tokens of a request.
    public var output: Int
    public var scenario: Scenario
    /// Time-to-first-token limit, seconds (server and interactive; also checked in the others when given).
    public var ttftLimitS: Double?
    /// Time-per-output-token limit, seconds.
    public var tpotLimitS: Double?
    public var kvReservation: KVReservation

    public init(prompt: Int, output: Int, scenario: Scenario, ttftLimitS: Double? = nil, tpotLimitS: Double? = nil,
                kvReservation: KVReservation = .full) {
        self.kvReservation = kvReservation
        self.prompt = prompt
        self.output = output
        self.scenario = scenario
        self.ttftLimitS = ttftLimitS ?? scenario.defaultLimits?.ttftS
        self.tpotLimitS = tpotLimitS ?? scenario.defaultLimits?.tpotS
    }

    /// Tokens a running request holds in its KV cache on average (its prompt and half its output): what a paged
    /// cache needs per sequence in steady state, and the context a decode step reads.
    public var meanContext: Int { Self.clamped(Double(prompt) + Double(output / 2)) }

    /// KV-cache tokens set aside per running request.
    public var reservedTokens: Int { kvReservation == .full ? Self.clamped(Double(prompt) + Double(output)) : meanContext }

    /// Sums of token counts, kept in range before `validate` has rejected absurd lengths.
    static func clamped(_ x: Double) -> Int { Int(min(max(x, 0), Double(Self.maxTokens) * 2)) }

    /// The longest prompt or output accepted, tokens.
    public static let maxTokens = 100_000_000

    /// Prompt tokens prefilled per decode step in steady state with `batch` running requests: each step completes
    /// batch/output requests, and as many new ones start. None for a single user, whose prompt runs before its decode.
    public func prefillTokensPerStep(batch: Int) -> Int {
        scenario == .single ? 0 : Int((Double(batch) * Double(prompt) / Double(max(output, 1))).rounded())
    }

    /// The 99th percentile of a Poisson count with this mean (at least 1: the request being timed is one of them);
    /// the normal approximation (mean + 2.326·√mean) above a mean of 500, where e^−mean underflows.
    public static func p99Arrivals(mean a: Double) -> Int {
        guard a.isFinite, a > 0 else { return 1 }
        if a > 500 { return Int((a + 2.326 * a.squareRoot()).rounded(.up)) }
        var k = 0, term = exp(-a), cdf = term
        while cdf < 0.99 {
            k += 1
            term *= a / Double(k)
            cdf += term
        }
        return max(k, 1)
    }

    public func validate() throws(PlannerError) {
        if prompt < 1 { throw .invalidWorkload("prompt must be at least 1 token (got \(prompt))") }
        if output < 1 { throw .invalidWorkload("output must be at least 1 token (got \(output))") }
        if max(prompt, output) > Self.maxTokens { throw .invalidWorkload("prompt and output must be at most \(Self.maxTokens) tokens") }
        for (name, v) in [("TTFT", ttftLimitS), ("TPOT", tpotLimitS)] {
            if let v, !(v > 0 && v.isFinite) { throw .invalidWorkload("the \(name) limit must be positive (got \(v))") }
        }
    }
}
