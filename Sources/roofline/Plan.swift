import ArgumentParser
import Foundation
import RooflinePlanner

struct Plan: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Project where a model runs, how fast and at what cost, chip by chip (the Silicon Matrix).",
        discussion: "Presets: \(ModelDescription.presetNames.joined(separator: ", ")); or a GGUF file or config.json. Precisions: \(Precision.allCases.map(\.rawValue).joined(separator: ", ")).")

    @Option(help: "A model preset, a GGUF file, or a safetensors config.json (or its directory). With --calibrate: a GGUF file or known model name (default: smollm2-135m).")
    var model: String?

    @Option(help: "Weight precision (default: the GGUF file's own types, each tensor at its own size, else bf16).")
    var precision: PrecisionArgument?

    @Option(name: .customLong("kv-precision"), help: "KV-cache precision.")
    var kvPrecision: PrecisionArgument = PrecisionArgument(argument: "bf16")!

    @Option(help: "Concurrent sequences, or 'max' for the largest batch that fits in memory (default: 1, or max with a target). With a scenario: the most requests the engine runs at once.")
    var batch: String?

    @Option(help: "Tokens cached per sequence when decoding (without a scenario; with one, the prompt and output set it).")
    var context: Int = 4096

    @Option(help: "Prompt length, mean input tokens per request with a scenario (default 1024; with --calibrate, the checked prefill, default 128).")
    var prompt: Int?

    @Option(help: "Mean output tokens per request; with --scenario (default 256) the plan serves a stream of requests.")
    var output: Int?

    @Option(help: "offline (best throughput), server or interactive (best throughput within the TTFT/TPOT limits), single (one user). Default: offline when --output is given.")
    var scenario: String?

    @Option(name: .customLong("ttft-limit"), help: "p99 time-to-first-token limit, seconds (default: 2 for server, 0.45 for interactive).")
    var ttftLimit: Double?

    @Option(name: .customLong("tpot-limit"), help: "p99 time-per-output-token limit, seconds (default: 0.2 for server, 0.04 for interactive).")
    var tpotLimit: Double?

    @Option(name: .customLong("kv-reserve"), help: "KV cache set aside per request: full (prompt + output, TensorRT-LLM's default) or current (tokens so far, vLLM).")
    var kvReserve: String = "full"

    @Option(name: .customLong("decode-attention"), help: "How the engine's decode attention reads a grouped-query cache: grouped (each KV head once per sequence) or per-query-head (once per query head, as TensorRT-LLM before its XQA kernel).")
    var decodeAttention: String = "grouped"

    @Option(help: "Speculative decoding TOKENS:ACCEPTANCE, e.g. 4:0.7 (draft tokens per step, chance each is accepted); needs a scenario.")
    var speculative: String?

    @Option(name: .customLong("draft-model"), help: "With --speculative: the draft model (a preset, GGUF or config.json); default a one-layer head on the target.")
    var draftModel: String?

    @Flag(help: "Show where each microsecond of a step goes (matmuls, attention, links, fixed per-layer cost) for every chip.")
    var explain = false

    @Option(help: "Comma-separated chip ids (default: every chip in the catalogue).")
    var hardware: String?

    @Option(name: .customLong("class"), help: "Comma-separated chip classes: gpu, asic, lpu, edge, cpu.")
    var chipClass: String?

    @Option(help: "Fix the deployment size (default: the fewest chips that hold the model).")
    var chips: Int?

    @Option(help: "Split --chips into data-parallel replicas, each holding the whole model and serving its own requests: a count that divides --chips, or 'auto' for the split that serves the scenario best (default 1: one deployment).")
    var replicas: String?

    @Option(name: .customLong("target-tokens-per-s"), help: "Per-user decode speed to meet: picks the largest batch that meets it (with a scenario: a TPOT limit of 1/X unless --tpot-limit is given).")
    var targetTokensPerS: Double?

    @Option(help: "Output: table, json, csv, svg (roofline and bar charts) or html.")
    var format: PlanFormat = .table

    @Option(help: "A CSV of extra chips in the format of data/hardware.csv; same ids replace built-in rows.")
    var catalogue: String?

    @Option(name: .customLong("compute-efficiency"), help: "Override the fraction of peak compute reached, all classes.")
    var computeEfficiency: Double?

    @Option(name: .customLong("memory-efficiency"), help: "Override the fraction of memory bandwidth reached, all classes.")
    var memoryEfficiency: Double?

    @Flag(help: "Measure this machine (bandwidth probe, prefill and decode of a local model), store it as the chip 'this-machine', and show the prediction against a separate measured run.")
    var calibrate = false

    @Option(name: .customLong("calibration-file"), help: "Where the calibrated 'this-machine' row is written and read (default: this-machine.csv in Roofline's cache directory).")
    var calibrationFile: String?

    @Option(name: .customLong("validate"), help: "Print the validation table: the planner beside the published measurements in FILE (data/validation.csv).")
    var validationFile: String?

    @Option(help: "With --calibrate: threads for the engine (default: physical cores). The row is valid for this thread count.")
    var threads: Int?

    func validate() throws {
        guard batch == nil || batch == "max" || (batch.flatMap { Int($0) } ?? 0) >= 1 else { throw ValidationError("--batch must be a positive integer or 'max'") }
        guard model != nil || calibrate || validationFile != nil else { throw ValidationError("--model is required (a preset, GGUF file or config.json)") }
        if let p = prompt, p < 1 { throw ValidationError("--prompt must be at least 1") }
        if let o = output, o < 1 { throw ValidationError("--output must be at least 1") }
        if speculative != nil && scenario == nil && output == nil { throw ValidationError("--speculative needs --scenario (or --output)") }
        guard KVReservation(rawValue: kvReserve) != nil else { throw ValidationError("--kv-reserve must be full or current") }
        guard ["grouped", "per-query-head"].contains(decodeAttention) else { throw ValidationError("--decode-attention must be grouped or per-query-head") }
        if let r = replicas, r != "auto" && (Int(r) ?? 0) < 1 { throw ValidationError("--replicas must be a positive integer or 'auto'") }
        if let t = threads, !(1...1024).contains(t) { throw ValidationError("--threads must be between 1 and 1024") }
        if calibrate && ![.table, .json].contains(format) { throw ValidationError("--calibrate prints a table or json") }
        for e in [computeEfficiency, memoryEfficiency].compactMap({ $0 }) where !(e > 0 && e <= 1) {
            throw ValidationError("efficiency overrides must be in (0, 1]")
        }
    }

    /// The class fractions with the command line's overrides and the engine's decode attention.
    func engineEfficiency() -> EfficiencyTable {
        var t = EfficiencyTable().overriding(compute: computeEfficiency, memory: memoryEfficiency)
        t.kvReadsPerQueryHead = decodeAttention == "per-query-head"
        return t
    }

    /// The chips selected by --hardware and --class, in catalogue order (or the order given by --hardware).
    func selectedChips(_ cat: Catalogue) throws -> [Chip] {
        var chips = cat.chips
        if let ids = hardware {
            chips = try ids.split(separator: ",").map { s throws -> Chip in
                let id = String(s).trimmingCharacters(in: .whitespaces)
                if id == Calibration.chipID && !cat.chips.contains(where: { $0.id == id }) {
                    throw ValidationError("'\(id)' is not calibrated yet (no \(calibrationURL.path)): run roofline plan --calibrate first")
                }
                return try cat.chip(id)
            }
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

    /// The request stream of --scenario/--output, or nil for bare decode steps at --context.
    func workload() throws -> Workload? {
        guard scenario != nil || output != nil else { return nil }
        return Workload(prompt: prompt ?? 1024, output: output ?? 256, scenario: try Scenario.parse(scenario ?? "offline"),
                        ttftLimitS: ttftLimit, tpotLimitS: tpotLimit ?? targetTokensPerS.map { 1 / $0 },
                        kvReservation: KVReservation(rawValue: kvReserve) ?? .full)
    }

    /// --speculative with its draft model, if given.
    func speculation() throws -> Speculation? {
        guard let spec = speculative else { return nil }
        var s = try Speculation.parse(spec)
        s.draft = try draftModel.map { try ModelDescription.resolve($0) }
        return s
    }

    func run() throws {
        if calibrate { return try runCalibration() }
        var cat = try Catalogue.builtIn()
        let calibrated = calibrationURL
        if FileManager.default.fileExists(atPath: calibrated.path) {
            do {
                cat = cat.merging(try Catalogue(csv: try String(contentsOf: calibrated, encoding: .utf8)))
            } catch {
                throw ValidationError("the calibration file \(calibrated.path) is unreadable (\(error)); rerun roofline plan --calibrate")
            }
        }
        if let path = validationFile {
            let cases = try ValidationCase.load(csv: try String(contentsOfFile: path, encoding: .utf8))
            let report = try ValidationReport(cases, catalogue: try Catalogue.builtIn())
            return print(format == .csv ? report.projectionsCSV : report.markdown, terminator: "")
        }
        if let path = catalogue {
            cat = cat.merging(try Catalogue(csv: try String(contentsOfFile: path, encoding: .utf8)))
        }
        let description = try ModelDescription.resolve(model ?? "")
        let weights = precision?.value ?? description.filePrecision ?? .bf16
        let stream = try workload()
        var request = PlanRequest(
            model: description,
            precisions: Precisions(weights: weights, kvCache: kvPrecision.value),
            batch: stream != nil && batch == nil ? .max : batchChoice, context: context, prompt: prompt ?? 1024, chips: chips,
            targetTokensPerS: targetTokensPerS,
            efficiency: engineEfficiency(), workload: stream, speculation: try speculation())
        request.replicas = replicas == "auto" ? .auto : .count(replicas.flatMap { Int($0) } ?? 1)
        let selected = try selectedChips(cat)
        guard !selected.isEmpty else { throw PlannerError.invalidWorkload("no chip matches --hardware and --class") }
        let results = try Planner().plan(request, on: selected)
        switch format {
        case .json: print(try PlanReport.json(results))
        case .csv: print(PlanReport.csv(results), terminator: "")
        case .svg: print(PlanChart.svg(results, request: request), terminator: "")
        case .html: print(PlanChart.html(results, request: request), terminator: "")
        case .table: print(PlanReport.table(results, request: request), terminator: "")
        }
        if explain && format == .table { print("\n" + PlanExplain.text(results, request: request), terminator: "") }
    }
}
