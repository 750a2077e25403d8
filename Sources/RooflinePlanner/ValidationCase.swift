import Foundation

/// A published measurement set beside the planner's projection (`data/validation.csv`, docs/planner.md).
///
/// Each row names a model preset, precisions, chips, a workload and what was measured:
/// - `per_user`: output tokens/s of one request alone (scenario `single`, `prompt` in, `output` out);
/// - `ttft`: that request's time to first token, seconds;
/// - `offline` / `offline_per_chip`: output tokens/s of the whole deployment (or per chip) with every request
///   queued at once (scenario `offline`, continuous batching);
/// - `server` / `interactive`: the same under MLPerf's latency limits;
/// - `aggregate`: bare decode steps of `batch` sequences at `context`, tokens/s over the batch;
/// - `end_to_end` / `end_to_end_per_chip`: a static batch run from prompt to last token, as TensorRT-LLM's 2023
///   tables report it: `batch` prefills of `prompt` tokens, then `output` decode steps at the mean context
///   `prompt + output/2` (divided by the chips for the per-chip figure).
public struct ValidationCase: Sendable {
    public enum Metric: String, Sendable, CaseIterable {
        case perUser = "per_user", ttft, offline, offlinePerChip = "offline_per_chip", server, interactive, aggregate
        case endToEnd = "end_to_end", endToEndPerChip = "end_to_end_per_chip"

        /// The scenario a workload metric is projected in; nil for the bare-step and static-batch metrics.
        var scenario: Scenario? {
            switch self {
            case .perUser, .ttft: .single
            case .offline, .offlinePerChip: .offline
            case .server: .server
            case .interactive: .interactive
            case .aggregate, .endToEnd, .endToEndPerChip: nil
            }
        }
    }

    public var id: String
    public var model: String
    public var precisions: Precisions
    public var hardware: String
    /// Chips in the deployment; 0 means the fewest that hold the model (how SRAM-only systems are sized).
    public var chips: Int
    public var batch: Int
    public var context: Int
    public var prompt: Int
    public var output: Int
    public var metric: Metric
    public var published: Double
    /// The planner's figure when the row was written; a test checks the planner still gives it.
    public var recordedProjection: Double
    /// The largest |error| the docs claim for this row.
    public var errorBound: Double
    public var source: String
    public var date: String
    /// True for a row a planner constant was fitted to (in sample, not a test of the model).
    public var fitted: Bool
    public var notes: String
    /// How the engine measured reserves KV cache per request (empty column: `full`).
    public var kvReservation: KVReservation = .full
    /// The engine's decode attention reads the KV cache once per query head (`decode_attention` = `per_query_head`:
    /// TensorRT-LLM before its XQA kernel); empty or `grouped`: once per KV head.
    public var kvReadsPerQueryHead = false
    /// Data-parallel replicas the `chips` were split into (empty column: 1, one deployment); `published` is then the
    /// figure of all of them.
    public var replicas = 1

    /// The plan request this row describes.
    public func request(_ m: ModelDescription) -> PlanRequest {
        let fixedChips = chips > 0 ? chips : nil
        var engine = EfficiencyTable()
        engine.kvReadsPerQueryHead = kvReadsPerQueryHead
        if let s = metric.scenario {
            let w = Workload(prompt: max(prompt, 1), output: max(output, 1), scenario: s, kvReservation: kvReservation)
            let engineBatch: PlanRequest.Batch = s == .single ? .fixed(1) : batch > 0 ? .fixed(batch) : .max
            var r = PlanRequest(model: m, precisions: precisions, batch: engineBatch, chips: fixedChips, efficiency: engine, workload: w)
            r.replicas = .count(replicas)
            return r
        }
        let staticBatch = metric == .endToEnd || metric == .endToEndPerChip
        var r = PlanRequest(model: m, precisions: precisions, batch: .fixed(batch), context: staticBatch ? prompt + output / 2 : context,
                            prompt: max(prompt, 1), chips: fixedChips, efficiency: engine)
        r.replicas = .count(replicas)
        return r
    }

    /// The planner's projection of this row's metric; nil when it cannot project it.
    public func project(_ catalogue: Catalogue) throws(PlannerError) -> Double? {
        guard let m = ModelDescription.preset(model) else { throw .unknownModel(model, known: ModelDescription.presetNames) }
        let chip = try catalogue.chip(hardware)
        guard let res = try Planner().plan(request(m), on: [chip]).first, res.fits else { return nil }
        let perChip = Double(res.totalChips)
        switch metric {
        case .perUser: return res.decodeTokensPerSPerUser
        case .ttft: return res.ttftS
        case .offline, .server, .interactive, .aggregate: return res.aggregateTokensPerS
        case .offlinePerChip: return res.aggregateTokensPerS.map { $0 / perChip }
        case .endToEnd, .endToEndPerChip:
            guard let ttft = res.ttftS, let step = res.decodeTime?.totalS else { return nil }
            let total = Double(batch) * ttft + Double(output) * step
            return Double(batch * output * res.replicas) / total / (metric == .endToEndPerChip ? perChip : 1)
        }
    }

    /// Relative error of `projection` against the published figure.
    public func error(_ projection: Double) -> Double { (projection - published) / published }
}
