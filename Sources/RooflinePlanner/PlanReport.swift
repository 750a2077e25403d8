import Foundation

/// Renders plan results as a table, JSON or CSV.
public enum PlanReport {
    /// The documented JSON keys, in order (issue 6 names the first ten).
    public static let keys = ["hardware", "chips", "batch", "fits", "bound", "decode_tokens_per_s_per_user",
                              "aggregate_tokens_per_s", "ttft_s", "joules_per_token", "usd_per_million_tokens",
                              "class", "announced", "tensor_parallel", "pipeline_stages", "max_batch", "meets_target",
                              "memory_needed_gb", "memory_available_gb", "compute_format", "decode_flop_per_byte",
                              "price_date", "tpot_s", "requests_per_s", "scenario", "notes", "replicas", "tpot_p99_s"]

    /// One JSON-ready object per result; unknown values are `NSNull`.
    public static func object(_ r: PlanResult) -> [String: Any] {
        func v(_ x: Any?) -> Any { x ?? NSNull() }
        return [
            "hardware": r.chip.id, "chips": r.totalChips, "replicas": r.replicas, "tpot_p99_s": v(r.tpotP99S), "batch": r.batch, "fits": r.fits, "bound": r.bound.rawValue,
            "decode_tokens_per_s_per_user": v(r.decodeTokensPerSPerUser), "aggregate_tokens_per_s": v(r.aggregateTokensPerS),
            "ttft_s": v(r.ttftS), "joules_per_token": v(r.joulesPerToken), "usd_per_million_tokens": v(r.usdPerMillionTokens),
            "class": r.chip.chipClass.rawValue, "announced": r.chip.announced, "tensor_parallel": r.deployment.tensorParallel,
            "pipeline_stages": r.deployment.pipelineStages, "max_batch": r.maxBatch, "meets_target": v(r.meetsTarget),
            "memory_needed_gb": r.memoryNeededGB, "memory_available_gb": r.memoryAvailableGB,
            "compute_format": v(r.computeFormat?.rawValue), "decode_flop_per_byte": r.decodeIntensity,
            "price_date": v(r.chip.priceDate), "tpot_s": v(r.tpotS), "requests_per_s": v(r.requestsPerS),
            "scenario": v(r.scenario?.rawValue), "notes": r.notes,
        ]
    }

    /// A JSON array, one object per result, keys sorted.
    public static func json(_ results: [PlanResult]) throws -> String {
        let data = try JSONSerialization.data(withJSONObject: results.map(object), options: [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted])
        return String(decoding: data, as: UTF8.self)
    }

    /// CSV with the documented keys as header; notes joined with "; ".
    public static func csv(_ results: [PlanResult]) -> String {
        var lines = [keys.joined(separator: ",")]
        for r in results {
            let o = object(r)
            lines.append(keys.map { k in cell(o[k]) }.joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func cell(_ x: Any?) -> String {
        let s: String
        switch x {
        case nil, is NSNull: s = ""
        case let b as Bool: s = b ? "true" : "false"
        case let d as Double: s = String(format: "%.6g", d)
        case let a as [String]: s = a.joined(separator: "; ")
        case let y?: s = "\(y)"
        }
        return CSVTable.quote(s)
    }

    /// An aligned text table with notes underneath.
    public static func table(_ results: [PlanResult], request: PlanRequest) -> String {
        let m = request.model, p = request.precisions
        let mix = m.ownFileWeights(p.weights).map { String(format: ", as the file holds them: %@ in the layers, %.3f bytes/weight", $0.mixDescription, $0.layerBytesPerWeight) } ?? ""
        var out = String(format: "%@: %.1fB params (%.1fB active), weights %@ (%.2f GB%@), KV %@ (%.0f KB/token), ",
                         m.name, m.totalParams / 1e9, m.activeParams / 1e9, p.weights.rawValue,
                         m.weightBytes(p.weights) / 1e9, mix, p.kvCache.rawValue, m.kvBytesPerToken(p.kvCache) / 1e3)
        out += m.engineArchitecture.map { "Roofline's engine runs it (\($0)), " } ?? ""
        if let w = request.workload {
            out += "scenario \(w.scenario.rawValue), \(w.prompt) in / \(w.output) out per request"
            out += [w.ttftLimitS.map { String(format: ", TTFT ≤ %.3g s", $0) }, w.tpotLimitS.map { String(format: ", TPOT ≤ %.3g s", $0) }]
                .compactMap { $0 }.joined()
            out += request.speculation.map { ", speculative \($0.draftTokens) tokens at \($0.acceptance)" } ?? ""
            out += "\n\n"
        } else {
            out += "context \(request.context), prompt \(request.prompt)\n\n"
        }
        let header = ["hardware", "chips", "tp×pp", "batch", "fits", "bound", "tok/s/user", "tok/s total", "req/s", "TTFT s", "J/token", "$/Mtok"]
        var rows = [header]
        func f(_ x: Double?, _ fmt: String) -> String { x.map { String(format: fmt, $0) } ?? "-" }
        for r in results {
            rows.append([r.chip.id + (r.chip.announced ? "*" : ""), "\(r.totalChips)",
                         r.replicas > 1 ? "\(r.replicas)×(\(r.deployment.tensorParallel)×\(r.deployment.pipelineStages))" : "\(r.deployment.tensorParallel)×\(r.deployment.pipelineStages)", "\(r.batch)", r.fits ? "yes" : "no",
                         r.bound.rawValue, f(r.decodeTokensPerSPerUser, "%.1f"), f(r.aggregateTokensPerS, "%.0f"), f(r.requestsPerS, "%.2f"),
                         f(r.ttftS, "%.3f"), f(r.joulesPerToken, "%.3f"), f(r.usdPerMillionTokens, "%.2f")])
        }
        let widths = header.indices.map { i in rows.map { $0[i].count }.max() ?? 0 }
        for row in rows {
            out += row.enumerated().map { i, c in
                i == 0 ? c.padding(toLength: widths[i], withPad: " ", startingAt: 0)
                       : String(repeating: " ", count: widths[i] - c.count) + c
            }.joined(separator: "  ") + "\n"
        }
        let noted = results.filter { !$0.notes.isEmpty }
        if !noted.isEmpty { out += "\n" }
        for r in noted { out += "\(r.chip.id): \(r.notes.joined(separator: "; "))\n" }
        if results.contains(where: { $0.chip.announced }) { out += "* announced, not shipping\n" }
        let classes = ChipClass.allCases.filter { c in results.contains { $0.chip.chipClass == c } }
        if !classes.isEmpty {
            out += "\nassumed efficiency (compute / memory bandwidth / usable memory / latency per collective / fixed per layer):\n"
            for c in classes {
                let e = request.efficiency[c]
                out += String(format: "  %@ %.2f%@ / %.2f / %.2f / %.1f µs%@ / %.1f µs\n", c.rawValue as NSString, e.compute,
                              e.computeHalfTokens > 0 ? String(format: " (half of it at %.0f tokens per step)", e.computeHalfTokens) as NSString : "" as NSString,
                              e.memory, e.usableMemory, e.collectiveLatencyS * 1e6,
                              e.ringCollectives ? " per ring step" as NSString : "" as NSString, e.layerOverheadS * 1e6)
            }
            for r in results where r.chip.computeEfficiency != nil || r.chip.memoryEfficiency != nil || r.chip.layerOverheadS != nil {
                let e = request.efficiency.of(r.chip)
                out += String(format: "  %@ (its own, measured or fitted) %.2f / %.2f / per layer %.1f µs\n", r.chip.id as NSString,
                              e.compute, e.memory, e.layerOverheadS * 1e6)
            }
        }
        return out
    }
}
