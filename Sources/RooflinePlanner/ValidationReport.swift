import Foundation

/// The validation table recomputed now, with its error summary (what `roofline plan --validate` prints).
public struct ValidationReport: Sendable {
    /// Each row with its projection now (nil when the planner cannot project it).
    public var rows: [(row: ValidationCase, projection: Double?, chipClass: ChipClass?)]

    public init(_ cases: [ValidationCase], catalogue: Catalogue) throws(PlannerError) {
        rows = []
        for c in cases {
            rows.append((c, try c.project(catalogue), try? catalogue.chip(c.hardware).chipClass))
        }
    }

    /// Median and largest |error| of the rows fitted (in sample) or not (out of sample), and how many.
    public func summary(fitted: Bool, chipClass: ChipClass? = nil) -> (count: Int, median: Double, worst: Double, unprojected: Int) {
        let chosen = rows.filter { $0.row.fitted == fitted && (chipClass == nil || $0.chipClass == chipClass) }
        let errors = chosen.compactMap { r in r.projection.map { abs(r.row.error($0)) } }.sorted()
        guard !errors.isEmpty else { return (0, 0, 0, chosen.count) }
        let mid = errors.count / 2
        let median = errors.count % 2 == 1 ? errors[mid] : (errors[mid - 1] + errors[mid]) / 2
        return (errors.count, median, errors.last ?? 0, chosen.count - errors.count)
    }

    /// Each row's id and projection now (`id,planner`, four significant figures as data/validation.csv records
    /// them): what to put in the file's `planner` column after the model changes.
    public var projectionsCSV: String {
        "id,planner\n" + rows.map { "\($0.row.id),\($0.projection.map { String(format: "%.4g", $0) } ?? "")\n" }.joined()
    }

    /// The table in Markdown, then the summary lines: all rows, then out of sample per class.
    public var markdown: String {
        var out = "| # | model, precision | hardware × chips | workload | metric | published | planner | error | source (date) |\n"
        out += "|---|---|---|---|---|---:|---:|---:|---|\n"
        for (c, p, _) in rows {
            let workload = switch c.metric {
            case .aggregate: "batch \(c.batch), context \(c.context)"
            case .endToEnd, .endToEndPerChip: "static batch \(c.batch), in \(c.prompt) / out \(c.output)"
            default: "in \(c.prompt) / out \(c.output)"
            }
            out += "| \(c.id)\(c.fitted ? " (fitted)" : "") | \(c.model) \(c.precisions.weights.rawValue) | \(c.hardware) × \(c.chips > 0 ? "\(c.chips)" : "fewest")\(c.replicas > 1 ? " as \(c.replicas) replicas" : "") | \(workload) | "
            out += "\(c.metric.rawValue) | \(Self.figure(c.published)) | \(p.map(Self.figure) ?? "-") | "
            out += "\(p.map { String(format: "%+.0f%%", c.error($0) * 100) } ?? "-") | \(c.source) (\(c.date)) |\n"
        }
        out += "\n"
        for (label, fitted) in [("fitted (in sample)", true), ("not fitted (out of sample)", false)] {
            out += line(label, summary(fitted: fitted))
        }
        for cls in ChipClass.allCases where rows.contains(where: { !$0.row.fitted && $0.chipClass == cls }) {
            out += line("  out of sample, \(cls.rawValue)", summary(fitted: false, chipClass: cls))
        }
        let outside = rows.filter { r in !r.row.fitted && r.projection.map { abs(r.row.error($0)) > 0.35 } ?? true }
        out += "out-of-sample rows beyond ±35%: \(outside.isEmpty ? "none" : outside.map(\.row.id).joined(separator: ", "))\n"
        return out
    }

    func line(_ label: String, _ s: (count: Int, median: Double, worst: Double, unprojected: Int)) -> String {
        String(format: "%@: %d rows, median |error| %.1f%%, worst %.1f%%%@\n", label, s.count, s.median * 100, s.worst * 100,
               s.unprojected > 0 ? ", \(s.unprojected) not projected" : "")
    }

    /// Whole numbers from 100 up, two decimals below.
    static func figure(_ x: Double) -> String { String(format: x >= 100 ? "%.0f" : "%.2f", x) }
}
