import ArgumentParser
import Foundation
import RooflineEngine
import RooflineGGUF
import RooflineModel

struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Perplexity of a text file, computed as llama.cpp's perplexity tool does.")

    @OptionGroup var modelOptions: ModelOptions

    @Option(help: "The text file to score.")
    var text: String

    @Option(help: "Tokens per chunk (the second half of each is scored).")
    var ctx: Int = 512

    @Option(help: "A reference model (e.g. the float original): also report KL divergence, its 99th percentile and top-1 agreement against it. With a --kv-type other than f16 and no reference, the same model with an F16 cache is the reference.")
    var reference: String?

    @Option(name: .customLong("reference-kv-type"), help: "How the reference model's KV cache stores keys and values.")
    var referenceKVType: KVType = .f16

    @Flag(help: "Print the results as JSON.")
    var json = false

    func run() throws {
        let data: Data
        do { data = try readRegularFile(text) } catch { throw ValidationError("cannot read the text file: \(error)") }
        let content = String(decoding: data, as: UTF8.self)
        var opts = modelOptions
        if opts.contextSize == nil { opts.contextSize = ctx }
        let engine = try opts.load()
        if let reference = reference ?? (opts.kvType != referenceKVType ? opts.model ?? engine.file.path : nil) {
            var refOpts = opts
            refOpts.model = reference
            refOpts.kvType = referenceKVType
            let ref = try refOpts.load()
            let d = try engine.divergence(from: ref, text: content, context: ctx) { done, total in
                if !json { Stderr.print("[\(done)/\(total)] chunks") }
            }
            if json {
                try printJSON(["perplexity": d.perplexity, "reference_perplexity": d.referencePerplexity, "kl_divergence": d.klDivergence,
                               "kl_divergence_p99": d.klDivergenceP99, "top1_agreement": d.top1Agreement,
                               "tokens_scored": d.tokensScored, "chunks": d.chunks])
            } else {
                print(String(format: "perplexity %.4f (reference %.4f, %+.2f%%)\nKL divergence mean %.6f, p99 %.6f nats\ntop-1 agreement %.2f%% over %d tokens in %d chunks",
                             d.perplexity, d.referencePerplexity, (d.perplexity / d.referencePerplexity - 1) * 100,
                             d.klDivergence, d.klDivergenceP99, d.top1Agreement * 100, d.tokensScored, d.chunks))
            }
            return
        }
        let result = try engine.perplexity(text: content, context: ctx) { done, total, ppl in
            if !json { Stderr.print(String(format: "[%d/%d] perplexity so far %.4f", done, total, ppl)) }
        }
        if json {
            try printJSON(["perplexity": result.perplexity, "tokens_scored": result.tokensScored, "chunks": result.chunks])
        } else {
            print(String(format: "perplexity %.4f over %d tokens in %d chunks of %d", result.perplexity, result.tokensScored, result.chunks, ctx))
        }
    }
}
