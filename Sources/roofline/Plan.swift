import ArgumentParser
import Foundation
import RooflinePlanner

struct Plan: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Project where a model runs, how fast and at what cost, chip by chip (the Silicon Matrix).",
        discussion: "Presets: \(ModelDescription.presetNames.joined(separator: ", ")); or a GGUF file or config.json. Precisions: \(Precision.allCases.map(\.rawValue).joined(separator: ", ")).")

    @Option(help: "A model preset, a GGUF file, or a safetensors config.json (or its directory).")
    var model: String

    @Option(help: "Weight precision.")
    var precision: String = "bf16"

    @Option(name: .customLong("kv-precision"), help: "KV-cache precision.")
    var kvPrecision: String = "bf16"

    @Option(help: "Concurrent sequences, or 'max' for the largest batch that fits in memory (default: 1, or max with a target).")
    var batch: String?

    @Option(help: "Tokens cached per sequence when decoding.")
    var context: Int = 4096

    @Option(help: "Prompt length for time to first token.")
    var prompt: Int = 1024

    @Option(help: "Comma-separated chip ids (default: every chip in the catalogue).")
    var hardware: String?

    @Option(name: .customLong("class"), help: "Comma-separated chip classes: gpu, asic, lpu, edge, cpu.")
    var chipClass: String?

    @Option(help: "Fix the deployment size (default: the fewest chips that hold the model).")
    var chips: Int?

    @Option(name: .customLong("target-tokens-per-s"), help: "Per-user decode speed to meet: picks the largest batch that meets it.")
    var targetTokensPerS: Double?

    @Option(help: "Output: table, json, csv, svg (roofline and bar charts) or html.")
    var format: String = "table"

    @Option(help: "A CSV of extra chips in the format of data/hardware.csv; same ids replace built-in rows.")
    var catalogue: String?

    @Option(name: .customLong("compute-efficiency"), help: "Override the fraction of peak compute reached, all classes.")
    var computeEfficiency: Double?

    @Option(name: .customLong("memory-efficiency"), help: "Override the fraction of memory bandwidth reached, all classes.")
    var memoryEfficiency: Double?

    func validate() throws {
        guard ["table", "json", "csv", "svg", "html"].contains(format) else { throw ValidationError("--format must be table, json, csv, svg or html") }
        guard batch == nil || batch == "max" || (batch.flatMap { Int($0) } ?? 0) >= 1 else { throw ValidationError("--batch must be a positive integer or 'max'") }
        for e in [computeEfficiency, memoryEfficiency].compactMap({ $0 }) where !(e > 0 && e <= 1) {
            throw ValidationError("efficiency overrides must be in (0, 1]")
        }
    }

    /// The chips selected by --hardware and --class, in catalogue order (or the order given by --hardware).
    func selectedChips(_ cat: Catalogue) throws -> [Chip] {
        var chips = cat.chips
        if let ids = hardware {
            chips = try ids.split(separator: ",").map { try cat.chip(String($0).trimmingCharacters(in: .whitespaces)) }
        }
        if let classes = chipClass {
            let wanted = try classes.split(separator: ",").map { s throws -> ChipClass in
                guard let c = ChipClass(rawValue: String(s)) else { throw PlannerError.unknownClassFilter(String(s)) }
                return c
            }
            chips = chips.filter { wanted.contains($0.chipClass) }
        }
        return chips
    }

    /// An explicit --batch; otherwise 1, or the largest that fits when a per-user target will cut it down.
    var batchChoice: PlanRequest.Batch {
        guard let b = batch else { return targetTokensPerS == nil ? .fixed(1) : .max }
        return b == "max" ? .max : .fixed(Int(b) ?? 1)
    }

    func run() throws {
        var cat = try Catalogue.builtIn()
        if let path = catalogue {
            cat = cat.merging(try Catalogue(csv: try String(contentsOfFile: path, encoding: .utf8)))
        }
        let request = PlanRequest(
            model: try ModelDescription.resolve(model),
            precisions: Precisions(weights: try Precision.parse(precision), kvCache: try Precision.parse(kvPrecision)),
            batch: batchChoice, context: context, prompt: prompt, chips: chips,
            targetTokensPerS: targetTokensPerS,
            efficiency: EfficiencyTable().overriding(compute: computeEfficiency, memory: memoryEfficiency))
        let selected = try selectedChips(cat)
        guard !selected.isEmpty else { throw PlannerError.invalidWorkload("no chip matches --hardware and --class") }
        let results = try Planner().plan(request, on: selected)
        switch format {
        case "json": print(try PlanReport.json(results))
        case "csv": print(PlanReport.csv(results), terminator: "")
        case "svg": print(PlanChart.svg(results, request: request), terminator: "")
        case "html": print(PlanChart.html(results, request: request), terminator: "")
        default: print(PlanReport.table(results, request: request), terminator: "")
        }
    }
}
