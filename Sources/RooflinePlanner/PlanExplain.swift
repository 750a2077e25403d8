import Foundation

/// `roofline plan --explain`: where each microsecond of a step goes, chip by chip.
public enum PlanExplain {
    /// One block per result: the deployment, the step's tokens, each term of its time and the fractions assumed.
    public static func text(_ results: [PlanResult], request: PlanRequest) -> String {
        var out = ""
        for r in results {
            out += "\(r.chip.id): " + (r.replicas > 1 ? "\(r.replicas) replicas, each " : "") + "\(r.deployment.chips) chip(s), tensor-parallel \(r.deployment.tensorParallel) × \(r.deployment.pipelineStages) pipeline stage(s), batch \(r.batch)"
            out += r.scenario.map { ", scenario \($0.rawValue)" } ?? ""
            out += "\n"
            guard let t = r.decodeTime else {
                out += "  not projected: \(r.notes.isEmpty ? r.bound.rawValue : r.notes.joined(separator: "; "))\n\n"
                continue
            }
            let e = request.efficiency.of(r.chip)
            let micro = (r.batch + r.deployment.pipelineStages - 1) / r.deployment.pipelineStages
            out += "  step of one micro-batch: \(t.tokens) tokens (\(micro) decoding"
            out += request.workload.map { w in String(format: ", about %d prompt tokens prefilled in chunks; mean context %d", max(t.tokens - micro * ((request.speculation?.draftTokens ?? 0) + 1), 0), w.meanContext) } ?? ", context \(request.context)"
            out += ")\n"
            out += line("matmuls", t.matmulS, t.totalS + r.draftS, detail: "the larger of compute and weight/activation streaming")
            let perHead = e.kvReadsPerQueryHead && request.model.queryHeadsPerKVHead > 1
                ? String(format: ", read once per query head: %.0f×", request.model.queryHeadsPerKVHead) : ""
            out += line("attention", t.attentionS, t.totalS + r.draftS, detail: "the larger of its FLOPs and reading the KV cache" + perHead)
            out += line("interconnect", t.interconnectS, t.totalS + r.draftS, detail: "all-reduces and stage hops")
            let perLayer = (t.overheadS - e.stepOverheadS) / Double(max(request.model.layers, 1))
            out += line("fixed per-layer", t.overheadS, t.totalS + r.draftS, detail: String(format: "%d layers × %.1f µs", request.model.layers, perLayer * 1e6)
                + (e.stepOverheadS > 0 ? String(format: " + %.1f µs per step", e.stepOverheadS * 1e6) : "")
                + (e.layerOverheadReferenceBytes.map { String(format: " (%.1f µs at %.2f GB per layer, × √ of the GB each layer holds over that)", e.layerOverheadS * 1e6, $0 / 1e9) } ?? ""))
            if r.draftS > 0 { out += line("draft", r.draftS, t.totalS + r.draftS, detail: "\(request.speculation?.draftTokens ?? 0) draft steps") }
            out += String(format: "  = %.1f µs per step; compute at %.0f%% of peak for %d tokens (%.0f%% at large batch), memory at %.0f%% of bandwidth\n",
                          (t.totalS + r.draftS) * 1e6, t.computeFraction * 100, t.tokens, e.compute * 100, e.memory * 100)
            if let ttft = r.ttftS, let wait = r.ttftWaitS, let k = r.ttftPrompts, let w = request.workload {
                let why = w.scenario == .server || w.scenario == .interactive ? "the p99 of a step's random arrivals" : "its own"
                out += String(format: "  time to first token: %.1f µs for the step under way, then %.1f µs for a step prefilling %d prompt(s) of %d tokens (%@)\n",
                              wait * 1e6, (ttft - wait) * 1e6, k, w.prompt, why as NSString)
            }
            let p99 = r.tpotP99S.flatMap { p in r.tpotS.flatMap { p > $0 * (1 + 1e-9) ? p : nil } }
            let figures = [r.tpotS.map { String(format: "time per output token %.2f ms", $0 * 1e3) },
                           p99.map { String(format: "p99 %.2f ms (the p99 of the prompts that arrive over a request's output)", $0 * 1e3) },
                           r.ttftS.map { String(format: "time to first token %.3f s", $0) },
                           r.aggregateTokensPerS.map { String(format: "%.0f output tokens/s in all", $0) }].compactMap { $0 }
            out += "  " + figures.joined(separator: ", ") + "; bound: \(r.bound.rawValue)\n\n"
        }
        return out
    }

    static func line(_ name: String, _ s: Double, _ total: Double, detail: String) -> String {
        String(format: "  %-16@ %10.1f µs  %5.1f%%  (%@)\n", name as NSString, s * 1e6, total > 0 ? 100 * s / total : 0, detail as NSString)
    }
}
