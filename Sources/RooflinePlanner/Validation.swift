import Foundation

/// Published measurements set beside the planner's projections (`data/validation.csv`, docs/planner.md).
///
/// Each row names a model preset, precisions, chips, a workload and what was measured:
/// - `per_user`: decode tokens/s of one sequence in a batch of `batch` (context `context`);
/// - `aggregate`: decode tokens/s over the whole batch;
/// - `end_to_end` / `end_to_end_per_chip`: output tokens/s of a batch run from prompt to last token, as
///   TensorRT-LLM and MLPerf report it: `batch` prefills of `prompt` tokens, then `output` decode steps at the
///   mean context `prompt + output/2` (divided by the chips for the per-chip figure).
public struct ValidationCase: Sendable {
    public enum Metric: String, Sendable { case perUser = "per_user", aggregate, endToEnd = "end_to_end", endToEndPerChip = "end_to_end_per_chip" }

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
    /// True for the row a planner constant was fitted to (not a test of the model).
    public var fitted: Bool
    public var notes: String

    /// The planner's projection of this row's metric; nil when it cannot project it.
    public func project(_ catalogue: Catalogue) throws(PlannerError) -> Double? {
        guard let m = ModelDescription.preset(model) else { throw .unknownModel(model, known: ModelDescription.presetNames) }
        let chip = try catalogue.chip(hardware)
        let contextNow = metric == .endToEnd || metric == .endToEndPerChip ? prompt + output / 2 : context
        let r = PlanRequest(model: m, precisions: precisions, batch: .fixed(batch), context: contextNow, prompt: max(prompt, 1), chips: chips > 0 ? chips : nil)
        guard let res = try Planner().plan(r, on: [chip]).first, let step = res.decodeTime?.totalS else { return nil }
        switch metric {
        case .perUser: return 1 / step
        case .aggregate: return Double(batch) / step
        case .endToEnd, .endToEndPerChip:
            guard let ttft = res.ttftS else { return nil }
            let total = Double(batch) * ttft + Double(output) * step
            return Double(batch * output) / total / (metric == .endToEndPerChip ? Double(res.deployment.chips) : 1)
        }
    }

    /// Relative error of `projection` against the published figure.
    public func error(_ projection: Double) -> Double { (projection - published) / published }

    /// Parses `data/validation.csv`; a missing or malformed field is an error naming the row and the field.
    public static func load(csv text: String) throws(PlannerError) -> [ValidationCase] {
        let table = try CSVTable(text: text)
        var index: [String: Int] = [:]
        for (i, h) in table.header.enumerated() { index[h] = i }
        var cases: [ValidationCase] = []
        for row in table.rows {
            func s(_ k: String) throws(PlannerError) -> String {
                guard let i = index[k] else { throw .missingColumn(k) }
                return row.fields[i].trimmingSpaces
            }
            let id = try s("id")
            func number(_ k: String) throws(PlannerError) -> Double {
                let v = try s(k)
                guard let d = Double(v), d.isFinite, d >= 0 else { throw .invalidNumber(chip: "validation row \(id)", field: k, value: v) }
                return d
            }
            func int(_ k: String) throws(PlannerError) -> Int {
                let d = try number(k)
                guard d == d.rounded(), d < 1e9 else { throw .invalidNumber(chip: "validation row \(id)", field: k, value: try s(k)) }
                return Int(d)
            }
            guard let metric = Metric(rawValue: try s("metric")) else { throw .invalidNumber(chip: "validation row \(id)", field: "metric", value: try s("metric")) }
            for k in ["source_url", "source_date"] where try s(k).isEmpty { throw .missingSource(chip: "validation row \(id)", field: "published") }
            cases.append(ValidationCase(
                id: id, model: try s("model"),
                precisions: Precisions(weights: try Precision.parse(try s("precision")), kvCache: try Precision.parse(try s("kv_precision"))),
                hardware: try s("hardware"), chips: try int("chips"), batch: try int("batch"), context: try int("context"),
                prompt: try int("prompt"), output: try int("output"), metric: metric, published: try number("published"),
                recordedProjection: try number("planner"), errorBound: try number("error_bound"), source: try s("source_url"),
                date: try s("source_date"), fitted: try s("fitted") == "yes", notes: try s("notes")))
        }
        return cases
    }

    /// The validation table in Markdown, recomputed now (what docs/planner.md shows).
    public static func markdown(_ cases: [ValidationCase], catalogue: Catalogue) throws(PlannerError) -> String {
        var out = "| # | model, precision | hardware × chips | workload | metric | published | planner | error | source (date) |\n"
        out += "|---|---|---|---|---|---:|---:|---:|---|\n"
        for c in cases {
            let p = try c.project(catalogue)
            let workload = c.metric == .endToEnd || c.metric == .endToEndPerChip
                ? "batch \(c.batch), in \(c.prompt) / out \(c.output)" : "batch \(c.batch), context \(c.context)"
            out += "| \(c.id)\(c.fitted ? " (fitted)" : "") | \(c.model) \(c.precisions.weights.rawValue) | \(c.hardware) × \(c.chips > 0 ? "\(c.chips)" : "fewest") | \(workload) | "
            out += "\(c.metric.rawValue) | \(figure(c.published)) | \(p.map(figure) ?? "-") | "
            out += "\(p.map { String(format: "%+.0f%%", c.error($0) * 100) } ?? "-") | \(c.source) (\(c.date)) |\n"
        }
        return out
    }

    /// Whole numbers from 100 up, two decimals below.
    static func figure(_ x: Double) -> String { String(format: x >= 100 ? "%.0f" : "%.2f", x) }
}
