import ArgumentParser
import Foundation
import RooflineEngine

struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Perplexity of a text file, computed as llama.cpp's perplexity tool does.")

    @OptionGroup var modelOptions: ModelOptions

    @Option(help: "The text file to score.")
    var text: String

    @Option(help: "Tokens per chunk (the second half of each is scored).")
    var ctx: Int = 512

    @Flag(help: "Print {perplexity, tokens_scored, chunks} as JSON.")
    var json = false

    func run() throws {
        guard let data = FileManager.default.contents(atPath: text) else { throw ValidationError("cannot read the text file '\(text)'") }
        let content = String(decoding: data, as: UTF8.self)
        var opts = modelOptions
        if opts.contextSize == nil { opts.contextSize = ctx }
        let engine = try opts.load()
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
