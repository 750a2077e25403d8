import Foundation
import RooflineEngine
import RooflinePlanner

/// `roofline plan --calibrate`: the glue between the engine's benchmark and the planner's `this-machine` row.
///
/// Two separate benchmark runs: the first (a 64-token prefill, 32 decoded tokens) fits the row and writes it to the
/// calibration file; the second (the `--prompt` length, 64 decoded tokens) is what the prediction is checked against.
extension Plan {
    static let fitPrompt = 64, fitGenTokens = 32, checkGenTokens = 64, defaultCheckPrompt = 128

    /// Where the calibrated row lives: --calibration-file, else `this-machine.csv` in Roofline's cache directory.
    var calibrationURL: URL {
        calibrationFile.map { URL(fileURLWithPath: $0) } ?? ModelStore.cacheDirectory.appendingPathComponent("this-machine.csv")
    }

    func runCalibration() throws {
        let path = try ModelStore.resolve(model) { Stderr.print($0) }
        let description = try ModelDescription.resolve(path)
        guard let weights = precision?.value ?? description.filePrecision else {
            throw PlannerError.invalidWorkload("\(path): its weight type is not one the planner models (F32, F16, BF16, Q8_0, Q6_K, Q5_K, Q5_1, Q5_0, Q4_K, Q4_1, Q4_0, Q3_K, Q2_K, MXFP4, NVFP4, FP8); pass --precision")
        }
        // The engine keeps its KV cache in F16 and its activations in F32.
        let precisions = Precisions(weights: weights, kvCache: .fp16, activations: .fp32)
        let checkPrompt = prompt ?? Self.defaultCheckPrompt
        let context = max(Self.fitPrompt, checkPrompt) + Self.checkGenTokens + 16
        let engine = try Engine(path: path, threads: threads ?? Engine.defaultThreads, contextSize: context)
        func bench(prompt: Int, gen: Int) throws -> BenchmarkResult {
            var s = BenchmarkSettings()
            s.promptTokens = prompt
            s.genTokens = gen
            s.repetitions = 2
            s.bandwidthBytes = 256 << 20
            return try engine.benchmark(s) { Stderr.print("[calibrate] prefill \(prompt), decode \(gen): \($0)") }
        }
        let fitRun = try bench(prompt: Self.fitPrompt, gen: Self.fitGenTokens)
        let name = URL(fileURLWithPath: path).lastPathComponent
        let measurement = CalibrationMeasurement(
            bandwidthGBs: fitRun.bandwidthBytesPerSecond / 1e9, threads: fitRun.threads, kernels: engine.model.kernelPath.description,
            cpuName: CPUInfo.modelName, memoryGB: CPUInfo.memoryBytes / 1e9, prompt: Self.fitPrompt,
            prefillTokensPerS: fitRun.prefill.mean, decodeContext: Int(fitRun.meanDecodeContext.rounded()),
            decodeTokensPerS: fitRun.decode.mean, modelName: name, date: String(ISO8601DateFormatter().string(from: Date()).prefix(10)))
        let (chip, csv) = try Calibration.fit(measurement, model: description, precisions: precisions)
        let url = calibrationURL
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(csv.utf8).write(to: url, options: .atomic)
        } catch {
            throw PlannerError.invalidWorkload("cannot write the calibration file \(url.path): \(error.localizedDescription)")
        }
        let check = try bench(prompt: checkPrompt, gen: Self.checkGenTokens)
        let checkContext = Int(check.meanDecodeContext.rounded())
        let predicted = try Calibration.predict(on: chip, model: description, precisions: precisions, prompt: checkPrompt, context: checkContext)
        let request = Calibration.request(model: description, precisions: precisions, prompt: checkPrompt, context: checkContext)
        guard let result = try Planner().plan(request, on: [chip]).first else { return }
        func error(_ p: Double?, _ m: Double) -> Double? { p.map { ($0 - m) / m } }
        // Repetitions that disagree mean the machine was busy: say so rather than let a noisy row pass as a fit.
        var warnings: [String] = []
        for (run, r) in [("fit", fitRun), ("check", check)] {
            for (phase, stat) in [("prefill", r.prefill), ("decode", r.decode)] where stat.stddev > 0.1 * stat.mean {
                warnings.append(String(format: "%@ run: %@ repetitions spread %.0f%% (%.1f ± %.1f tok/s): the machine was busy; rerun, or use fewer --threads",
                                       run, phase, stat.stddev / stat.mean * 100, stat.mean, stat.stddev))
            }
        }
        let decodeBytes = description.decodeStep(batch: 1, context: measurement.decodeContext, precisions: precisions).bytes
        if let w = Calibration.cacheWarning(decodeBytes: decodeBytes, lastLevelCacheBytes: Calibration.lastLevelCacheBytes()) {
            warnings.append(w)
        }
        if format == .json {
            var o = PlanReport.object(result)
            o["predicted_decode_tokens_per_s"] = predicted.decode ?? NSNull()
            o["measured_decode_tokens_per_s"] = check.decode.mean
            o["measured_decode_tokens_per_s_stddev"] = check.decode.stddev
            o["predicted_prefill_tokens_per_s"] = predicted.prefill ?? NSNull()
            o["measured_prefill_tokens_per_s"] = check.prefill.mean
            o["measured_prefill_tokens_per_s_stddev"] = check.prefill.stddev
            o["decode_error"] = error(predicted.decode, check.decode.mean) ?? NSNull()
            o["prefill_error"] = error(predicted.prefill, check.prefill.mean) ?? NSNull()
            o["calibration_file"] = url.path
            o["threads"] = fitRun.threads
            o["bandwidth_gb_per_s"] = measurement.bandwidthGBs
            o["memory_efficiency"] = chip.memoryEfficiency ?? NSNull()
            o["prompt"] = checkPrompt
            o["context"] = checkContext
            o["warnings"] = warnings
            let data = try JSONSerialization.data(withJSONObject: [o], options: [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted])
            print(String(decoding: data, as: UTF8.self))
            return
        }
        print("calibrated \(chip.id): \(chip.name)")
        print(String(format: "  read bandwidth %.1f GB/s (probe); decode reached %.0f%% of it; prefill %.3f TOPS achieved",
                     measurement.bandwidthGBs, (chip.memoryEfficiency ?? 0) * 100, chip.peakTFLOPS.values.first ?? 0))
        print("  written to \(url.path) (roofline plan reads it from there)")
        print("check on a separate run: \(name), prompt \(checkPrompt), decode at context \(checkContext)")
        for (label, p, m, sd) in [("decode ", predicted.decode, check.decode.mean, check.decode.stddev),
                                  ("prefill", predicted.prefill, check.prefill.mean, check.prefill.stddev)] {
            print(String(format: "  %@  predicted %8.1f tok/s   measured %8.1f ± %.1f tok/s   error %+.1f%%", label, p ?? .nan, m, sd,
                         (error(p, m) ?? .nan) * 100))
        }
        for w in warnings { print("warning: \(w)") }
    }
}
