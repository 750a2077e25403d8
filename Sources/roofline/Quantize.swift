import ArgumentParser
import Foundation
import RooflineEngine
import RooflineGGUF
import RooflineQuant

struct Quantize: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Convert a GGUF model to another tensor type (F32, F16, BF16, Q8_0, Q6_K, Q5_0, Q5_1, Q5_K, Q4_0, Q4_1, Q4_K, Q3_K, Q2_K, MXFP4, NVFP4, FP8_E4M3, FP8_E5M2).",
        discussion: """
        1-D tensors (norms) stay F32. Tensors whose rows are not whole blocks of the target type fall back as \
        llama-quantize's do, with a warning: Q2_K and Q3_K to Q4_0, Q4_K to Q5_0, Q5_K to Q5_1, Q6_K to Q8_0, \
        anything else (or a row that fits no 32-block either) to F16. The output is written to a temporary file and renamed only when complete.
        """)

    @Argument(help: "Input GGUF file (or a known model name).")
    var input: String

    @Argument(help: "Output GGUF file.")
    var output: String

    @Option(help: "Target type, as ggml spells it (any case): q8_0, q6_k, q5_0, q5_1, q5_k, q4_0, q4_1, q4_k, q3_k, q2_k, mxfp4, nvfp4, f16, bf16, f32; fp8_e4m3, fp8_e5m2 (Roofline-only: a float32 scale per row, amax/448 or amax/57344); or a llama.cpp K-quant mix: q3_k_s, q3_k_m, q3_k_l, q4_k_s, q4_k_m, q5_k_s, q5_k_m (as llama-quantize chooses per tensor; q4_k alone is every tensor Q4_K, llama-quantize --pure).")
    var type: QuantTarget

    @Option(help: "Type for output.weight.")
    var keepOutputType: WeightType?

    @Option(help: "Type for token_embd.weight.")
    var keepEmbeddingType: WeightType?

    @Option(name: .customLong("rule"), help: "PATTERN=TYPE for tensor names, e.g. '*attn*=q8_0' (repeatable; first match wins).")
    var rules: [String] = []

    func run() throws {
        let inPath = try ModelStore.resolve(input) { Stderr.print($0) }
        guard URL(fileURLWithPath: output).standardizedFileURL.path != URL(fileURLWithPath: inPath).standardizedFileURL.path else {
            throw ValidationError("the output would overwrite the input")
        }
        var options: ModelQuantizer.Options
        switch type {
        case .mix(let profile):
            options = ModelQuantizer.Options(type: profile.baseType)
            options.profile = profile
        case .type(let t):
            options = ModelQuantizer.Options(type: t)
        }
        options.outputType = keepOutputType?.type
        options.embeddingType = keepEmbeddingType?.type
        for r in rules {
            let parts = r.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty else { throw ValidationError("--rule must be PATTERN=TYPE, got '\(r)'") }
            guard let t = WeightType(argument: parts[1]) else {
                throw ValidationError("--rule '\(r)': unknown or unwritable type '\(parts[1])' (one of \(WeightType.allValueStrings.joined(separator: ", ")))")
            }
            options.rules.append((parts[0], t.type))
        }
        let file = try GGUFFile(path: inPath)
        let started = Date()
        let interactive = isatty(2) != 0
        var lastShown = -1
        let summary = try ModelQuantizer.quantize(file, to: output, options: options, warn: { Stderr.print("warning: \($0)") }) { p in
            // A bar redrawn in place on a terminal; otherwise a line at every 10%.
            let decile = p.tensorsTotal > 0 ? p.tensorsDone * 10 / p.tensorsTotal : 10
            if !interactive {
                if decile != lastShown { lastShown = decile; Stderr.print(String(format: "%d/%d tensors, %.1f MB written", p.tensorsDone, p.tensorsTotal, Double(p.bytesWritten) / 1e6)) }
                return
            }
            let width = 30
            let filled = p.tensorsTotal > 0 ? p.tensorsDone * width / p.tensorsTotal : width
            let bar = String(repeating: "#", count: filled) + String(repeating: " ", count: width - filled)
            FileHandle.standardError.write(Data(String(format: "\r[%@] %d/%d tensors, %.1f MB written", bar, p.tensorsDone, p.tensorsTotal, Double(p.bytesWritten) / 1e6).utf8))
        }
        if interactive { Stderr.print("") }
        let types = summary.byType.sorted { $0.value > $1.value }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        print(String(format: "wrote %@: %d tensors (%@), %.1f MB in %.1f s", output, summary.tensors, types, Double(summary.bytes) / 1e6, Date().timeIntervalSince(started)))
    }
}
