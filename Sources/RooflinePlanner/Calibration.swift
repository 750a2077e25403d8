import Foundation

/// What `roofline plan --calibrate` measured of Roofline itself on this machine. The CLI takes these figures with
/// RooflineEngine's benchmark (the planner does not depend on the engine) and passes them in.
public struct CalibrationMeasurement: Sendable, Equatable {
    /// Read bandwidth from the engine's probe (`rf_measure_read_bandwidth`) with `threads` threads, GB/s.
    public var bandwidthGBs: Double
    public var threads: Int
    /// The kernel path the engine ran (e.g. avx512vnni).
    public var kernels: String
    /// The processor's name, for the catalogue row.
    public var cpuName: String
    /// Physical memory, GB.
    public var memoryGB: Double
    /// Prompt length of the prefill measurement and its speed.
    public var prompt: Int
    public var prefillTokensPerS: Double
    /// Mean tokens cached while the decode measurement ran, and its speed (one sequence).
    public var decodeContext: Int
    public var decodeTokensPerS: Double
    /// The model file measured (its name goes into the sources) and the day (YYYY-MM-DD).
    public var modelName: String
    public var date: String

    public init(bandwidthGBs: Double, threads: Int, kernels: String, cpuName: String, memoryGB: Double, prompt: Int,
                prefillTokensPerS: Double, decodeContext: Int, decodeTokensPerS: Double, modelName: String, date: String) {
        self.bandwidthGBs = bandwidthGBs
        self.threads = threads
        self.kernels = kernels
        self.cpuName = cpuName
        self.memoryGB = memoryGB
        self.prompt = prompt
        self.prefillTokensPerS = prefillTokensPerS
        self.decodeContext = decodeContext
        self.decodeTokensPerS = decodeTokensPerS
        self.modelName = modelName
        self.date = date
    }
}

/// Turns measurements of Roofline on this machine into the `this-machine` catalogue row, and predicts with it.
///
/// The row holds what was measured, not datasheet figures: the probe's read bandwidth; as the compute peak, the
/// FLOP rate the prefill reached (so its compute efficiency is 1); and as memory efficiency, the fraction of the
/// probe's bandwidth the decode reached while streaming the weights and KV cache the planner counts for that step.
/// Predictions then run through the ordinary planner path, so a workload other than the one measured (another
/// prompt length or context) is a real test of the planner's FLOP and byte counts.
public enum Calibration {
    public static let chipID = "this-machine"

    /// The catalogue format column holding the measured rate: integer dots for the ggml block formats, else 16-bit.
    public static func measuredFormat(_ p: Precision) -> ComputeFormat {
        switch p {
        // FP4 blocks dot against Q8_0 activations, the K-quants against Q8_K.
        case .int8, .int4, .q8_0, .q4_0, .q4_1, .q5_0, .q5_1, .q2_k, .q3_k, .q4_k, .q5_k, .q6_k, .mxfp4, .nvfp4: .int8
        default: .bf16
        }
    }

    /// One sequence: a prefill of `prompt` tokens, decode steps with `context` tokens cached.
    public static func request(model: ModelDescription, precisions: Precisions, prompt: Int, context: Int) -> PlanRequest {
        PlanRequest(model: model, precisions: precisions, batch: .fixed(1), context: context, prompt: prompt, chips: 1)
    }

    /// The `this-machine` chip fitted to `m`, and the same row as a catalogue CSV (header included).
    public static func fit(_ m: CalibrationMeasurement, model: ModelDescription,
                           precisions: Precisions) throws(PlannerError) -> (chip: Chip, csv: String) {
        for (field, v) in [("bandwidth", m.bandwidthGBs), ("prefill tokens/s", m.prefillTokensPerS),
                           ("decode tokens/s", m.decodeTokensPerS), ("memory", m.memoryGB)] where !(v > 0 && v.isFinite) {
            throw .invalidWorkload("calibration: measured \(field) must be positive (got \(v))")
        }
        guard m.prompt >= 1, m.decodeContext >= 1, m.threads >= 1 else { throw .invalidWorkload("calibration: prompt, context and threads must be positive") }
        let decode = model.decodeStep(batch: 1, context: m.decodeContext, precisions: precisions)
        let memoryEfficiency = decode.bytes * m.decodeTokensPerS / (m.bandwidthGBs * 1e9)
        let format = measuredFormat(precisions.weights)
        let tflops = prefillRate(m, model: model, precisions: precisions, format: format, memoryEfficiency: memoryEfficiency)
        let chip = Chip(
            id: chipID, vendor: "this machine", name: "\(m.cpuName) (\(m.threads) threads, \(m.kernels) kernels)", chipClass: .cpu,
            announced: false, memoryGB: m.memoryGB, memoryBandwidthGBs: m.bandwidthGBs, sramMB: nil, sramBandwidthGBs: nil,
            peakTFLOPS: [format: tflops], tdpW: nil, interconnectGBs: nil, unitChips: 1, priceUSDPerHour: nil, priceDate: nil,
            deploymentUnit: "this machine", computeEfficiency: 1, memoryEfficiency: memoryEfficiency)
        let how = "measured by roofline plan --calibrate on \(m.date), \(m.threads) threads, \(m.kernels) kernels"
        let values: [String: (String, String)] = [
            "memory_gb": (fmt(m.memoryGB), "\(how): MemTotal of /proc/meminfo"),
            "memory_bw_gbs": (fmt(m.bandwidthGBs), "\(how): median pass of the engine's read-bandwidth probe"),
            format.column: (fmt(tflops), "\(how): FLOP rate of a \(m.prompt)-token prefill of \(m.modelName) (achieved, not a datasheet peak)"),
            "unit_chips": ("1", "one machine"),
            "compute_efficiency": ("1", "\(how): the compute figure is already an achieved rate"),
            "memory_efficiency": (fmt(memoryEfficiency), "\(how): decode of \(m.modelName) at context \(m.decodeContext), \(fmt(m.decodeTokensPerS)) tok/s × \(fmt(decode.bytes)) bytes/token ÷ probe bandwidth"),
        ]
        var row: [String: String] = ["id": chipID, "vendor": chip.vendor, "name": chip.name, "class": "cpu", "status": "shipping",
                                     "memory_type": "DRAM", "deployment_unit": "this machine",
                                     "notes": "Calibrated for Roofline's own kernels with \(m.threads) threads; recalibrate after changing threads or kernels."]
        for (k, (v, src)) in values {
            row[k] = v
            row[k + "_source"] = src
        }
        let header = Catalogue.columns
        let csv = header.joined(separator: ",") + "\n" + header.map { CSVTable.quote(row[$0] ?? "") }.joined(separator: ",") + "\n"
        return (chip, csv)
    }

    /// The compute rate (TFLOPS) at which the planner's prefill of `m.prompt` tokens takes the measured time: the
    /// matmuls and attention each take the larger of their compute and memory times, so the rate is found by
    /// bisection (at least the prefill's FLOPs over the measured time).
    static func prefillRate(_ m: CalibrationMeasurement, model: ModelDescription, precisions: Precisions, format: ComputeFormat,
                            memoryEfficiency: Double) -> Double {
        let prefill = model.prefill(prompt: m.prompt, precisions: precisions)
        let measuredS = Double(m.prompt) / m.prefillTokensPerS
        let e = Efficiency(compute: 1, memory: memoryEfficiency, usableMemory: 1, collectiveLatencyS: 0)
        func time(_ tflops: Double) -> Double {
            let chip = Chip(id: chipID, vendor: "", name: "", chipClass: .cpu, announced: false, memoryGB: m.memoryGB,
                            memoryBandwidthGBs: m.bandwidthGBs, sramMB: nil, sramBandwidthGBs: nil, peakTFLOPS: [format: tflops],
                            tdpW: nil, interconnectGBs: nil, unitChips: 1, priceUSDPerHour: nil, priceDate: nil, deploymentUnit: "")
            return Deployment(chips: 1, unitChips: 1, layers: model.layers)
                .time(prefill, on: chip, model: model, precisions: precisions, efficiency: e)?.totalS ?? measuredS
        }
        var lo = prefill.flops / measuredS / 1e12, hi = lo * 1e6
        // Memory alone may already take longer than measured (a measured rate above the planner's bandwidth roof):
        // then the rate that makes compute alone match is the best the row can say.
        guard time(hi) < measuredS else { return lo }
        for _ in 0..<200 {
            let mid = (lo * hi).squareRoot()
            if time(mid) > measuredS { lo = mid } else { hi = mid }
        }
        return hi
    }

    /// Roofline's own decode and prefill tokens/s for one sequence, as the planner projects them on `chip`.
    public static func predict(on chip: Chip, model: ModelDescription, precisions: Precisions, prompt: Int,
                               context: Int) throws(PlannerError) -> (decode: Double?, prefill: Double?) {
        let r = request(model: model, precisions: precisions, prompt: prompt, context: context)
        guard let result = try Planner().plan(r, on: [chip]).first else { return (nil, nil) }
        return (result.decodeTokensPerSPerUser, result.ttftS.map { Double(prompt) / $0 })
    }

    /// A warning when the calibrated model's bytes per decoded token fit in the processor's last-level cache: the
    /// decode then streams from the cache (or from whatever of it other processes leave), so the fitted memory fraction
    /// is partly the cache's and overstates a model that streams from DRAM (docs/planner.md, "Calibration": a row fitted
    /// on SmolLM2's 96 MB a token overstated the Qwen files' decode by 34% to 94% under a 260 MiB L3).
    public static func cacheWarning(decodeBytes: Double, lastLevelCacheBytes: Double?) -> String? {
        guard let llc = lastLevelCacheBytes, llc > 0, decodeBytes > 0, decodeBytes <= llc else { return nil }
        return String(format: "the model reads %.0f MB a token, within the %.0f MiB last-level cache: the row's memory fraction is partly the cache's and overstates models that stream from DRAM; calibrate on the model you will plan",
                      decodeBytes / 1e6, llc / 1_048_576)
    }

    /// The largest data or unified cache Linux lists for CPU 0 (`/sys/devices/system/cpu/cpu0/cache/index*/size`,
    /// e.g. "266240K"), in bytes; nil where none is listed.
    public static func lastLevelCacheBytes(sysfs: String = "/sys/devices/system/cpu/cpu0/cache") -> Double? {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: sysfs) else { return nil }
        var largest: Double?
        for e in entries where e.hasPrefix("index") {
            let dir = sysfs + "/" + e
            let type = (try? String(contentsOfFile: dir + "/type", encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
            guard type != "Instruction", let raw = try? String(contentsOfFile: dir + "/size", encoding: .utf8) else { continue }
            let text = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            let scale: Double = switch text.last {
            case "K": 1024
            case "M": 1_048_576
            case "G": 1_073_741_824
            default: 1
            }
            guard let n = Double(scale == 1 ? text : String(text.dropLast())) else { continue }
            largest = max(largest ?? 0, n * scale)
        }
        return largest
    }

    static func fmt(_ x: Double) -> String { String(format: "%.6g", x) }
}
