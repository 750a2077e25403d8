import Foundation

/// Continuous batching in steady state: every step, each running request emits its tokens and the requests that
/// finished are replaced, their prompts prefilled in chunks that share the step with the running decodes.
public struct ScenarioModel: Sendable {
    public var model: ModelDescription
    public var precisions: Precisions
    public var workload: Workload
    public var speculation: Speculation?
    public var deployment: Deployment
    public var chip: Chip
    public var efficiency: Efficiency

    /// The most requests an engine keeps in flight: the largest batch in the CUDA-graph configuration of
    /// TensorRT-LLM's published throughput runs (docs/source/performance/perf-overview.md).
    public static let maxConcurrentRequests = 8192

    public init(model: ModelDescription, precisions: Precisions, workload: Workload, speculation: Speculation?,
                deployment: Deployment, chip: Chip, efficiency: Efficiency) {
        self.model = model
        self.precisions = precisions
        self.workload = workload
        self.speculation = speculation
        self.deployment = deployment
        self.chip = chip
        self.efficiency = efficiency
    }

    /// The draft that proposes tokens: the given model, or one layer of the target with its output head.
    var draftModel: ModelDescription? {
        guard let s = speculation else { return nil }
        if let d = s.draft { return d }
        var head = model
        head.name = model.name + " one-layer draft head"
        head.layers = 1
        head.denseLeadingLayers = min(head.denseLeadingLayers, 1)
        return head
    }

    /// The operating point with `batch` requests in flight; nil when the chip lacks the figures to time a step.
    public func point(batch: Int) -> OperatingPoint? {
        let micro = (batch + deployment.pipelineStages - 1) / deployment.pipelineStages
        let perStep = speculation?.tokensPerStep ?? 1
        let context = workload.meanContext
        let prefill = Int((Double(workload.prefillTokensPerStep(batch: micro)) * perStep).rounded())
        let queries = (speculation?.draftTokens ?? 0) + 1
        let cost = model.mixedStep(decodes: micro, context: context, queries: queries, prefillTokens: prefill,
                                   prompt: workload.prompt, precisions: precisions)
        guard let step = time(cost, model) else { return nil }
        var draft = 0.0
        if let s = speculation, let d = draftModel {
            guard let t = time(d.decodeStep(batch: micro, context: context, precisions: precisions), d) else { return nil }
            draft = Double(s.draftTokens) * t.totalS
        }
        var p = OperatingPoint(batch: batch, step: step, draftS: draft, tokensPerStep: perStep, ttftS: nil, intensity: cost.intensity)
        p.ttftWaitS = batch > 1 ? p.stepS : 0
        p.ttftPrompts = queuedPrompts(micro: micro, perStep: perStep)
        p.ttftS = ttft(running: batch > 1 ? micro : 0, waitS: p.ttftWaitS, prompts: p.ttftPrompts)
        if let k = p99LifetimePrompts(micro: micro), let slow = time(model.mixedStep(
            decodes: micro, context: context, queries: queries, prefillTokens: Int((Double(k * workload.prompt) * perStep / Double(max(workload.output, 1))).rounded()),
            prompt: workload.prompt, precisions: precisions), model) {
            p.p99TPOTS = (slow.totalS + draft) / perStep
        }
        return p
    }

    /// Prompts prefilled beside a request's decode steps over its whole output, at the 99th percentile over requests;
    /// nil outside `server` and `interactive`. Arrivals are Poisson at the completion rate, `micro · tokens per step /
    /// output` per step, and a request decodes for `output / tokens per step` steps, so the count over its life has
    /// mean `micro` whatever the lengths. A request's TPOT is the mean of its steps, each longer by the prompts it
    /// carries, so its p99 is the step with `p99(micro) · prompt · tokens per step / output` prompt tokens.
    func p99LifetimePrompts(micro: Int) -> Int? {
        guard workload.scenario == .server || workload.scenario == .interactive else { return nil }
        return Workload.p99Arrivals(mean: Double(micro))
    }

    /// Prompts that share a new request's first step. Under `server` and `interactive` load requests arrive at random
    /// (MLPerf's server scenario draws Poisson arrivals) at the rate the operating point completes them, on average
    /// `micro · tokens per step / output` per step, so the 99th percentile of a step's arrivals is prefilled beside
    /// the running decodes; a step of that many prompts is what the p99 TTFT waits for. Offline (every request queued,
    /// no TTFT limit) and single keep one prompt.
    func queuedPrompts(micro: Int, perStep: Double) -> Int {
        guard workload.scenario == .server || workload.scenario == .interactive else { return 1 }
        return Workload.p99Arrivals(mean: Double(micro) * perStep / Double(max(workload.output, 1)))
    }

    /// Time to first token: the wait for the step under way, then a step that carries `prompts` whole prompts beside
    /// the running decodes (`running` 0 and one prompt: the prompt alone). Nil without a compute peak (the prefill
    /// cannot be timed).
    func ttft(running: Int, waitS: Double, prompts: Int = 1) -> Double? {
        let cost = running > 0 || prompts > 1
            ? model.mixedStep(decodes: running, context: workload.meanContext, prefillTokens: prompts * workload.prompt,
                              prompt: workload.prompt, precisions: precisions)
            : model.prefill(prompt: workload.prompt, precisions: precisions)
        guard let t = time(cost, model), t.computeS != nil else { return nil }
        return waitS + t.totalS
    }

    func time(_ cost: PhaseCost, _ m: ModelDescription) -> PhaseTime? {
        deployment.time(cost, on: chip, model: m, precisions: precisions, efficiency: efficiency)
    }

    /// Whether `p` meets the workload's limits (an unknown TTFT fails a TTFT limit).
    public func meetsLimits(_ p: OperatingPoint) -> Bool {
        if let l = workload.tpotLimitS, p.tpotP99S > l { return false }
        if let l = workload.ttftLimitS, (p.ttftS ?? .infinity) > l { return false }
        return true
    }

    /// The scenario's operating point with at most `maxBatch` requests in flight: batch 1 for `single`; otherwise
    /// the highest throughput that meets the limits (the largest batch meeting them, time per token growing with
    /// the batch), or, with no limits, the best throughput over batches doubling up to the cap. Nil when even
    /// batch 1 cannot be timed; `met` is false when batch 1 already misses a limit.
    public func best(maxBatch: Int) -> (point: OperatingPoint, met: Bool)? {
        let cap = max(1, min(maxBatch, Self.maxConcurrentRequests))
        guard let one = point(batch: 1) else { return nil }
        if workload.scenario == .single { return (one, meetsLimits(one)) }
        if workload.tpotLimitS != nil || workload.ttftLimitS != nil {
            guard meetsLimits(one) else { return (one, false) }
            var lo = 1, hi = cap
            while lo < hi {
                let mid = (lo + hi + 1) / 2
                if let p = point(batch: mid), meetsLimits(p) { lo = mid } else { hi = mid - 1 }
            }
            return (point(batch: lo) ?? one, true)
        }
        var best = one, b = 2
        while b <= cap {
            if let p = point(batch: b), p.aggregateTokensPerS > best.aggregateTokensPerS { best = p }
            if b == cap { break }
            b = min(b * 2, cap)
        }
        return (best, true)
    }
}
