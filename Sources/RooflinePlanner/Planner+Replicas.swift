/// Data-parallel replicas: `chips` split into equal deployments that each hold the whole model and serve their own
/// requests, so throughput adds up over replicas while each request sees one replica's speed.
public enum Replicas: Sendable, Equatable {
    /// Exactly this many replicas; the chips must divide evenly among them.
    case count(Int)
    /// The split of the chips (one replica per divisor of the chip count) that serves the scenario best: the highest
    /// throughput within its limits, or for `single` (and bare decode steps of one sequence) the fastest per user.
    case auto
}

extension PlanRequest {
    func validateReplicas() throws(PlannerError) {
        guard case .count(let n) = replicas else { return }
        if n < 1 { throw .invalidWorkload("replicas must be at least 1 (got \(n))") }
        guard n > 1 else { return }
        guard let c = chips else { throw .invalidWorkload("\(n) replicas need --chips, the chips they share") }
        if c % n != 0 { throw .invalidWorkload("\(c) chips do not split evenly into \(n) replicas") }
    }
}

extension Planner {
    /// Plans `r` as its replicas ask: one deployment, a fixed number of replicas, or the best split of the chips.
    func plan(_ r: PlanRequest, on chip: Chip) -> PlanResult {
        switch r.replicas {
        case .count(let n) where n > 1: return replicated(r, replicas: n, on: chip)
        case .count: return suggestingReplicas(planDeployment(r, on: chip), r, on: chip)
        case .auto:
            guard let c = r.chips, c > 1 else { return planDeployment(r, on: chip) }
            let splits = (1...c).filter { c % $0 == 0 }.map { replicated(r, replicas: $0, on: chip) }
            return splits.dropFirst().reduce(splits[0]) { best, next in serves(next, betterThan: best, r) ? next : best }
        }
    }

    /// One deployment of more than one chip serving a throughput scenario, with a note when a split into replicas
    /// (`.auto`) would serve it better by more than 5%: the split a new user most often misses.
    func suggestingReplicas(_ one: PlanResult, _ r: PlanRequest, on chip: Chip) -> PlanResult {
        guard let s = r.workload?.scenario, s != .single, let c = r.chips, c > 1, one.fits else { return one }
        var auto = r
        auto.replicas = .auto
        let best = plan(auto, on: chip)
        guard best.replicas > 1, serves(best, betterThan: one, r),
              (best.aggregateTokensPerS ?? 0) > 1.05 * (one.aggregateTokensPerS ?? 0) else { return one }
        var res = one
        res.notes.append(String(format: "%d data-parallel replicas of %d chip(s) would serve %.0f output tokens/s (--replicas auto)",
                                best.replicas, best.deployment.chips, best.aggregateTokensPerS ?? 0))
        return res
    }

    /// `n` copies of the plan for `chips / n` chips; the aggregate throughput and requests per second are summed.
    func replicated(_ r: PlanRequest, replicas n: Int, on chip: Chip) -> PlanResult {
        var one = r
        one.replicas = .count(1)
        if n > 1, let c = r.chips { one.chips = c / n }
        var res = planDeployment(one, on: chip)
        guard n > 1 else { return res }
        res.replicas = n
        res.aggregateTokensPerS = res.aggregateTokensPerS.map { $0 * Double(n) }
        res.requestsPerS = res.requestsPerS.map { $0 * Double(n) }
        res.notes.insert("\(n) data-parallel replicas of \(res.deployment.chips) chip(s): batch, memory and per-user figures are one replica's, throughput all of theirs", at: 0)
        return res
    }

    /// Whether `a` serves the request better than `b`: a split that fits and meets its limits first, then per-user
    /// speed for a single user (or one sequence of bare steps), otherwise throughput; ties keep the fewer replicas.
    func serves(_ a: PlanResult, betterThan b: PlanResult, _ r: PlanRequest) -> Bool {
        func rank(_ x: PlanResult) -> Int { !x.fits ? 0 : x.meetsTarget == false ? 1 : 2 }
        if rank(a) != rank(b) { return rank(a) > rank(b) }
        let perUser = r.workload?.scenario == .single || (r.workload == nil && r.batch == .fixed(1))
        let (x, y) = perUser ? (a.decodeTokensPerSPerUser, b.decodeTokensPerSPerUser) : (a.aggregateTokensPerS, b.aggregateTokensPerS)
        return (x ?? 0) > (y ?? 0) * (1 + 1e-9)
    }
}
