/// Plans a stream of requests (a workload and its scenario) rather than bare decode steps.
extension Planner {
    /// Fills `result` with the scenario's operating point on `deployment`: batch, per-user speed, TTFT, TPOT,
    /// throughput, requests per second, energy and cost per output token.
    func applying(_ w: Workload, _ r: PlanRequest, chip: Chip, deployment dep: Deployment, efficiency e: Efficiency,
                  maxBatch: Int, to initial: PlanResult) -> PlanResult {
        var result = initial
        result.scenario = w.scenario
        let model = ScenarioModel(model: r.model, precisions: r.precisions, workload: w, speculation: r.speculation,
                                  deployment: dep, chip: chip, efficiency: e)
        // The batch the KV cache allows with each request's reservation (`r.context`); an explicit batch caps it.
        var cap = maxBatch
        if case .fixed(let b) = r.batch { cap = min(cap, b) }
        guard cap >= 1 else {
            result.fits = false
            result.bound = .capacity
            result.notes.append("no room for one request's KV cache (\(w.reservedTokens) tokens reserved)")
            return result
        }
        let found = model.best(maxBatch: cap)
        guard let (p, met) = found else { return result }
        if !met {
            result.notes.append(String(format: "misses the limits (TTFT %@, TPOT %@) even at batch %d",
                                       limit(w.ttftLimitS), limit(w.tpotLimitS), p.batch))
        }
        if w.ttftLimitS != nil || w.tpotLimitS != nil { result.meetsTarget = met }
        result.batch = p.batch
        result.maxBatch = cap
        result.memoryNeededGB = r.model.residentBytes(batch: p.batch, context: r.context, precisions: r.precisions) / 1e9
        result.decodeIntensity = p.intensity
        result.decodeTime = p.step
        result.draftS = p.draftS
        result.bound = p.step.bound
        result.tpotS = p.tpotS
        result.tpotP99S = p.tpotP99S
        result.decodeTokensPerSPerUser = 1 / p.tpotS
        result.aggregateTokensPerS = p.aggregateTokensPerS
        result.requestsPerS = p.aggregateTokensPerS / Double(w.output)
        result.ttftS = p.ttftS
        result.ttftWaitS = p.ttftS == nil ? nil : p.ttftWaitS
        result.ttftPrompts = p.ttftS == nil ? nil : p.ttftPrompts
        let secondsPerToken = 1 / p.aggregateTokensPerS
        result.joulesPerToken = chip.tdpW.map { Double(dep.chips) * $0 * secondsPerToken }
        result.usdPerMillionTokens = chip.priceUSDPerHour.map { Double(dep.chips) * $0 / 3600 * secondsPerToken * 1e6 }
        if let s = r.speculation {
            result.notes.append(String(format: "speculative: %d draft tokens at %.2f acceptance emit %.2f tokens per step; draft %.0f%% of the step",
                                       s.draftTokens, s.acceptance, s.tokensPerStep, 100 * p.draftS / p.stepS))
        }
        return result
    }

    func limit(_ s: Double?) -> String { s.map { String(format: "%.3g s", $0) } ?? "none" }
}
