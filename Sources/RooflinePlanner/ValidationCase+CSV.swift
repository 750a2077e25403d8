/// Reading `data/validation.csv`.
extension ValidationCase {
    /// Parses the table; a missing or malformed field is an error naming the row and the field.
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
            var reservation = KVReservation.full
            if index["kv_reserve"] != nil, !(try s("kv_reserve")).isEmpty {
                guard let k = KVReservation(rawValue: try s("kv_reserve")) else {
                    throw .invalidNumber(chip: "validation row \(id)", field: "kv_reserve", value: try s("kv_reserve"))
                }
                reservation = k
            }
            var perQueryHead = false
            if index["decode_attention"] != nil, !(try s("decode_attention")).isEmpty {
                switch try s("decode_attention") {
                case "grouped": perQueryHead = false
                case "per_query_head": perQueryHead = true
                default: throw .invalidNumber(chip: "validation row \(id)", field: "decode_attention", value: try s("decode_attention"))
                }
            }
            var replicas = 1
            if index["replicas"] != nil, !(try s("replicas")).isEmpty {
                replicas = try int("replicas")
                if replicas < 1 { throw .invalidNumber(chip: "validation row \(id)", field: "replicas", value: try s("replicas")) }
            }
            cases.append(ValidationCase(
                id: id, model: try s("model"),
                precisions: Precisions(weights: try Precision.parse(try s("precision")), kvCache: try Precision.parse(try s("kv_precision"))),
                hardware: try s("hardware"), chips: try int("chips"), batch: try int("batch"), context: try int("context"),
                prompt: try int("prompt"), output: try int("output"), metric: metric, published: try number("published"),
                recordedProjection: try number("planner"), errorBound: try number("error_bound"), source: try s("source_url"),
                date: try s("source_date"), fitted: try s("fitted") == "yes", notes: try s("notes"), kvReservation: reservation,
                kvReadsPerQueryHead: perQueryHead, replicas: replicas))
        }
        return cases
    }
}
