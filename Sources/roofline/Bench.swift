import ArgumentParser
import Foundation
import RooflineEngine
import RooflineGGUF
import RooflineTokenizer

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Measure prefill and decode speed against this machine's memory-bandwidth roofline.")

    @OptionGroup var modelOptions: ModelOptions

    @Option(help: "Prompt length for the prefill measurement.")
    var promptTokens: Int = 512

    @Option(help: "Tokens generated for the decode measurement.")
    var genTokens: Int = 128

    @Option(help: "Measured repetitions after one warm-up.")
    var repetitions: Int = 3

    @Option(help: "Sequences decoded together; decode tokens/s is then the aggregate over all of them.")
    var batch: Int = 1

    @Flag(help: "Print JSON.")
    var json = false

    @OptionGroup var speculative: SpeculativeOptions

    @Option(name: .customLong("spec-prompt-file"), help: "With --draft-model or --lookup: the text whose greedy continuation is timed with and without speculation, as a user message (default: a code-writing request).")
    var specPromptFile: String?

    static let defaultSpecPrompt = "Write a Python function that parses a CSV file and returns a list of dictionaries, with type hints and a docstring."

    func validate() throws {
        guard (1...256).contains(batch) else { throw ValidationError("--batch must be between 1 and 256") }
        guard promptTokens >= 1, genTokens >= 1, repetitions >= 1 else { throw ValidationError("--prompt-tokens, --gen-tokens and --repetitions must be at least 1") }
    }

    func run() throws {
        var opts = modelOptions
        if opts.contextSize == nil { opts.contextSize = speculative.enabled ? 4096 : max(promptTokens + 8, genTokens + 16) }
        let engine = try opts.load()
        var s = BenchmarkSettings()
        s.promptTokens = promptTokens
        s.genTokens = genTokens
        s.repetitions = repetitions
        s.batch = batch
        let r = try engine.benchmark(s) { if !json { Stderr.print("[bench] \($0)") } }
        var spec: SpeculativeBenchmark?
        if speculative.enabled {
            var options = GenerationOptions()
            try speculative.apply(to: &options, target: engine)
            let text = try specPromptFile.map { String(decoding: try readRegularFile($0, maxBytes: 1 << 20), as: UTF8.self) } ?? Self.defaultSpecPrompt
            let prompt = try engine.chatPrompt([ChatMessage(role: "user", content: text)])
            spec = try engine.benchmarkSpeculative(prompt: prompt, genTokens: genTokens, repetitions: repetitions, speculative: options) {
                if !json { Stderr.print("[bench] speculative \($0)") }
            }
        }
        if json {
            var extra: [String: Any] = [:]
            if let spec {
                extra = ["speculative_tokens_per_s": spec.speculative.mean, "speculative_tokens_per_s_stddev": spec.speculative.stddev,
                         "plain_tokens_per_s": spec.plain.mean, "plain_tokens_per_s_stddev": spec.plain.stddev,
                         "speculative_speedup": spec.speedup, "acceptance_rate": spec.acceptanceRate,
                         "proposed_tokens": spec.proposedTokens, "accepted_tokens": spec.acceptedTokens,
                         "speculative_generated_tokens": spec.generatedTokens,
                         "speculative_roofline_multiple": spec.speculative.mean / r.rooflineTokensPerSecond]
            }
            try printJSON(extra.merging([
                "model": engine.file.path, "threads": r.threads, "prompt_tokens": promptTokens, "gen_tokens": genTokens,
                "repetitions": repetitions, "batch": batch, "kernel_path": engine.model.kernelPath.description,
                "prefill_tokens_per_s": r.prefill.mean, "prefill_tokens_per_s_stddev": r.prefill.stddev,
                "decode_tokens_per_s": r.decode.mean, "decode_tokens_per_s_stddev": r.decode.stddev,
                "bytes_per_token": r.bytesPerToken, "weight_bytes_per_token": r.weightBytesPerToken, "kv_bytes_per_token": r.kvBytesPerToken,
                "bandwidth_gb_per_s": r.bandwidthBytesPerSecond / 1e9, "roofline_tokens_per_s": r.rooflineTokensPerSecond,
                "roofline_fraction": r.rooflineFraction, "peak_rss_bytes": r.peakRSSBytes,
                "bandwidth_gb_per_s_samples": r.bandwidthSamples.map { $0 / 1e9 },
                "decode_tokens_per_s_samples": r.decodeSamples,
                "roofline_fraction_samples": r.rooflineFractionSamples,
            ]) { a, _ in a })
        } else {
            print(String(format: "prefill  %8.1f ± %.1f tok/s  (%d tokens)", r.prefill.mean, r.prefill.stddev, promptTokens))
            print(String(format: "decode   %8.1f ± %.1f tok/s  (%d tokens%@)", r.decode.mean, r.decode.stddev, genTokens,
                         batch > 1 ? " × \(batch) sequences, aggregate" as NSString : "" as NSString))
            print(String(format: "bytes/token %.1f MB (weights %.1f MB + KV %.2f MB)", Double(r.bytesPerToken) / 1e6, Double(r.weightBytesPerToken) / 1e6, Double(r.kvBytesPerToken) / 1e6))
            print(String(format: "bandwidth %.1f GB/s with %d threads (%@) → roofline %.1f tok/s; decode reaches %.0f%%%@",
                         r.bandwidthBytesPerSecond / 1e9, r.threads, Self.range(r.bandwidthSamples.map { $0 / 1e9 }, "%.1f", "probe") as NSString,
                         r.rooflineTokensPerSecond, r.rooflineFraction * 100,
                         r.rooflineFractionSamples.count > 1 ? " (each repetition against its own probe: \(Self.range(r.rooflineFractionSamples.map { $0 * 100 }, "%.0f%%", "")))" as NSString : "" as NSString))
            print(String(format: "peak RSS %.1f MB, kernels: %@", Double(r.peakRSSBytes) / 1e6, engine.model.kernelPath.description))
            if let spec {
                print(String(format: "speculative %.1f ± %.1f tok/s against plain %.1f ± %.1f (%.2fx, %.2fx the roofline), %d of %d proposed accepted (%.0f%%), %d tokens",
                             spec.speculative.mean, spec.speculative.stddev, spec.plain.mean, spec.plain.stddev, spec.speedup,
                             spec.speculative.mean / r.rooflineTokensPerSecond, spec.acceptedTokens, spec.proposedTokens,
                             spec.acceptanceRate * 100, spec.generatedTokens))
            }
        }
    }

    /// "a-b over n probes" for a list of samples (or the single value).
    static func range(_ x: [Double], _ fmt: String, _ what: String) -> String {
        guard let lo = x.min(), let hi = x.max() else { return "" }
        let noun = what.isEmpty ? "" : " \(what)\(x.count == 1 ? "" : "s")"
        return x.count == 1 ? "1\(noun)" : "\(String(format: fmt, lo))-\(String(format: fmt, hi)) over \(x.count)\(noun)"
    }
}
