/// The hardware catalogue: chips loaded from a CSV in the format of `data/hardware.csv`.
///
/// Every numeric column `x` has a companion `x_source`; a value without a source, a negative or
/// non-numeric value, or an empty required field is an error naming the chip and the field.
public struct Catalogue: Sendable {
    public let chips: [Chip]

    /// Columns every catalogue must have.
    static let requiredColumns = ["id", "vendor", "name", "class", "status", "memory_gb", "memory_gb_source",
                                  "memory_bw_gbs", "memory_bw_gbs_source"]
    /// Every column of the format, in the order `data/hardware.csv` uses, then the optional efficiency and overhead columns.
    public static let columns: [String] = {
        let numbers = ["memory_gb", "memory_bw_gbs", "sram_mb", "sram_bw_gbs"] + ComputeFormat.allCases.map(\.column)
            + ["tdp_w", "interconnect_gbs", "unit_chips", "price_usd_hour"]
        return ["id", "vendor", "name", "class", "status", "memory_type"] + numbers.flatMap { [$0, $0 + "_source"] }
            + ["price_date", "deployment_unit", "notes", "compute_efficiency", "compute_efficiency_source",
               "memory_efficiency", "memory_efficiency_source", "layer_overhead_us", "layer_overhead_us_source",
               "link_efficiency", "link_efficiency_source", "layer_overhead_reference_gb", "layer_overhead_reference_gb_source",
               "step_overhead_us", "step_overhead_us_source"]
    }()
    /// Numeric columns that must hold a value in every row.
    static let requiredNumbers = ["memory_gb"]
    /// Numeric columns that may be empty (unknown).
    static let optionalNumbers = ["memory_bw_gbs", "sram_mb", "sram_bw_gbs", "tdp_w", "interconnect_gbs", "unit_chips",
                                  "price_usd_hour", "compute_efficiency", "memory_efficiency", "layer_overhead_us", "link_efficiency",
                                  "layer_overhead_reference_gb", "step_overhead_us"]
        + ComputeFormat.allCases.map(\.column)

    /// The catalogue shipped with Roofline (an embedded copy of `data/hardware.csv`).
    public static func builtIn() throws(PlannerError) -> Catalogue {
        try Catalogue(csv: DefaultCatalogue.csv)
    }

    public init(chips: [Chip]) { self.chips = chips }

    /// Parses and validates a catalogue CSV.
    public init(csv text: String) throws(PlannerError) {
        let table = try CSVTable(text: text)
        for c in Self.requiredColumns where !table.header.contains(c) { throw .missingColumn(c) }
        var index: [String: Int] = [:]
        for (i, h) in table.header.enumerated() { index[h] = i }
        var seen: Set<String> = []
        var chips: [Chip] = []
        for row in table.rows {
            let r = Row(fields: row.fields, index: index)
            let id = r["id"]
            guard !id.isEmpty else { throw .missingField(chip: "line \(row.line)", field: "id") }
            guard seen.insert(id).inserted else { throw .duplicateChip(id) }
            chips.append(try Self.chip(r, id: id))
        }
        self.chips = chips
    }

    /// Merges `other` into this catalogue; chips with the same id are replaced by `other`'s.
    public func merging(_ other: Catalogue) -> Catalogue {
        let replaced = Set(other.chips.map(\.id))
        return Catalogue(chips: chips.filter { !replaced.contains($0.id) } + other.chips)
    }

    /// The chip with this id, or an error listing the known ids.
    public func chip(_ id: String) throws(PlannerError) -> Chip {
        guard let c = chips.first(where: { $0.id == id }) else { throw .unknownChip(id, known: chips.map(\.id)) }
        return c
    }

    private struct Row {
        let fields: [String]
        let index: [String: Int]
        subscript(_ column: String) -> String {
            guard let i = index[column], i < fields.count else { return "" }
            return fields[i].trimmingSpaces
        }
    }

    private static func number(_ r: Row, _ field: String, id: String, required: Bool) throws(PlannerError) -> Double? {
        let s = r[field]
        if s.isEmpty {
            if required { throw .missingField(chip: id, field: field) }
            return nil
        }
        guard let v = Double(s), v.isFinite else { throw .invalidNumber(chip: id, field: field, value: s) }
        guard v >= 0 else { throw .negativeField(chip: id, field: field, value: v) }
        if r.index[field + "_source"] == nil { throw .missingColumn(field + "_source") }
        if r[field + "_source"].isEmpty { throw .missingSource(chip: id, field: field) }
        return v
    }

    private static func chip(_ r: Row, id: String) throws(PlannerError) -> Chip {
        for f in ["vendor", "name", "class", "status"] where r[f].isEmpty { throw .missingField(chip: id, field: f) }
        guard let cls = ChipClass(rawValue: r["class"]) else { throw .unknownClass(chip: id, value: r["class"]) }
        var n: [String: Double] = [:]
        for f in requiredNumbers { n[f] = try number(r, f, id: id, required: true) }
        for f in optionalNumbers { n[f] = try number(r, f, id: id, required: false) }
        var peaks: [ComputeFormat: Double] = [:]
        for f in ComputeFormat.allCases { peaks[f] = n[f.column] }
        var unit: Int?
        if let u = n["unit_chips"] {
            guard u >= 1, u == u.rounded(), u < 1e6 else { throw .invalidNumber(chip: id, field: "unit_chips", value: r["unit_chips"]) }
            unit = Int(u)
        }
        for f in ["compute_efficiency", "memory_efficiency", "link_efficiency"] where n[f] == 0 || (f == "link_efficiency" && n[f] ?? 0 > 1) {
            throw .invalidNumber(chip: id, field: f, value: r[f])
        }
        let price = n["price_usd_hour"]
        var chip = Chip(
            id: id, vendor: r["vendor"], name: r["name"], chipClass: cls, announced: r["status"] == "announced",
            memoryGB: n["memory_gb"] ?? 0, memoryBandwidthGBs: n["memory_bw_gbs"], sramMB: n["sram_mb"],
            sramBandwidthGBs: n["sram_bw_gbs"], peakTFLOPS: peaks, tdpW: n["tdp_w"], interconnectGBs: n["interconnect_gbs"],
            unitChips: unit, priceUSDPerHour: price, priceDate: price == nil || r["price_date"].isEmpty ? nil : r["price_date"],
            deploymentUnit: r["deployment_unit"], computeEfficiency: n["compute_efficiency"], memoryEfficiency: n["memory_efficiency"],
            layerOverheadS: n["layer_overhead_us"].map { $0 * 1e-6 }, linkEfficiency: n["link_efficiency"])
        chip.memoryType = r["memory_type"]
        chip.stepOverheadS = n["step_overhead_us"].map { $0 * 1e-6 }
        if let g = n["layer_overhead_reference_gb"] {
            guard g > 0 else { throw .invalidNumber(chip: id, field: "layer_overhead_reference_gb", value: r["layer_overhead_reference_gb"]) }
            chip.layerOverheadReferenceBytes = g * 1e9
        }
        return chip
    }
}
