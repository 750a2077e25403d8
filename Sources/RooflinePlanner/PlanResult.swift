/// The planner's projection for one chip and deployment.
public struct PlanResult: Sendable {
    public var chip: Chip
    /// One replica's deployment (all of them when `replicas` is 1).
    public var deployment: Deployment
    /// Data-parallel replicas of `deployment`, each serving its own requests: aggregate throughput and requests per
    /// second count all of them; batch, memory and per-user figures are one replica's.
    public var replicas = 1
    /// Chips over all replicas.
    public var totalChips: Int { deployment.chips * replicas }
    public var batch: Int
    /// Largest batch whose KV cache fits beside the weights on this deployment (0 if the weights do not fit).
    public var maxBatch: Int
    public var fits: Bool
    public var bound: Bound
    public var decodeTokensPerSPerUser: Double?
    public var aggregateTokensPerS: Double?
    public var ttftS: Double?
    /// With a workload: the part of `ttftS` spent waiting for the step under way, and the prompts prefilled in the
    /// request's first step (the p99 of a step's arrivals under server and interactive load).
    public var ttftWaitS: Double?
    public var ttftPrompts: Int?
    /// Time per output token of one request (with a workload: the step time over the tokens each step emits).
    public var tpotS: Double?
    /// The 99th percentile of TPOT over requests (with a workload; above `tpotS` only under server and interactive
    /// load, where random arrivals put more or fewer prompts beside a request's decode steps).
    public var tpotP99S: Double?
    /// Requests completed per second (with a workload).
    public var requestsPerS: Double?
    /// The scenario the figures are for; nil for bare decode steps.
    public var scenario: Scenario?
    /// Draft-model time per step when speculating (0 otherwise).
    public var draftS: Double = 0
    public var joulesPerToken: Double?
    public var usdPerMillionTokens: Double?
    /// Weights plus KV cache for the batch, GB.
    public var memoryNeededGB: Double
    /// Usable memory across the deployment, GB.
    public var memoryAvailableGB: Double
    /// Whether the per-user target was met (nil without a target).
    public var meetsTarget: Bool?
    /// The peak column used for compute time.
    public var computeFormat: ComputeFormat?
    /// Decode-step arithmetic intensity, FLOP per byte.
    public var decodeIntensity: Double
    /// The decode step's time split, when projected.
    public var decodeTime: PhaseTime?
    public var notes: [String]
}
