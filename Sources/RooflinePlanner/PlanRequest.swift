/// What to plan: a model, its precisions and a workload, and optionally a fixed deployment size.
public struct PlanRequest: Sendable {
    /// A fixed batch, or the largest batch that fits in memory.
    public enum Batch: Sendable, Equatable {
        case fixed(Int)
        case max
    }

    public var model: ModelDescription
    public var precisions: Precisions
    public var batch: Batch
    /// Tokens cached per sequence when a decode step runs (prompt plus generated so far).
    public var context: Int
    /// Prompt length for time to first token.
    public var prompt: Int
    /// Fixed number of chips; nil means the fewest that hold the weights and the KV cache.
    public var chips: Int?
    /// Per-user decode speed to meet: the batch becomes the largest one that still meets it.
    public var targetTokensPerS: Double?
    public var efficiency: EfficiencyTable
    /// A stream of requests to serve (`--scenario`); nil plans bare decode steps at `context` for `batch` sequences.
    /// With a workload, `context` is the KV cache reserved per request (sizing the deployment) and `prompt` its prompt.
    public var workload: Workload?
    /// Speculative decoding, projected within the workload's scenario.
    public var speculation: Speculation?
    /// How `chips` is split into data-parallel replicas, each a whole deployment serving its own requests.
    public var replicas: Replicas = .count(1)

    public init(model: ModelDescription, precisions: Precisions, batch: Batch = .fixed(1), context: Int = 4096,
                prompt: Int = 1024, chips: Int? = nil, targetTokensPerS: Double? = nil,
                efficiency: EfficiencyTable = EfficiencyTable(), workload: Workload? = nil, speculation: Speculation? = nil) {
        self.model = model
        self.precisions = precisions
        self.batch = batch
        self.context = workload?.reservedTokens ?? context
        self.prompt = workload?.prompt ?? prompt
        self.chips = chips
        self.targetTokensPerS = targetTokensPerS
        self.efficiency = efficiency
        self.workload = workload
        self.speculation = speculation
    }

    /// Rejects sizes that make no sense before any arithmetic runs.
    public func validate() throws(PlannerError) {
        try model.validate()
        if case .fixed(let b) = batch, b < 1 { throw .invalidWorkload("batch must be at least 1 (got \(b))") }
        if context < 1 { throw .invalidWorkload("context must be at least 1 (got \(context))") }
        if prompt < 1 { throw .invalidWorkload("prompt must be at least 1 (got \(prompt))") }
        if let c = chips, c < 1 { throw .invalidWorkload("chips must be at least 1 (got \(c))") }
        if let t = targetTokensPerS, !(t > 0) { throw .invalidWorkload("target tokens/s must be positive") }
        try workload?.validate()
        if speculation != nil && workload == nil { throw .invalidWorkload("speculative decoding is projected within a scenario (--scenario)") }
        if let sp = speculation, !(1...64).contains(sp.draftTokens) || !(sp.acceptance >= 0 && sp.acceptance <= 1) {
            throw .invalidWorkload("speculation takes 1-64 draft tokens and an acceptance in [0, 1]")
        }
        try speculation?.draft?.validate()
        try validateReplicas()
    }
}
