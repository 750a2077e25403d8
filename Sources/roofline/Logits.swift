import ArgumentParser
import Foundation
import RooflineEngine

struct Logits: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the top logits after a prompt (for comparing against other engines).")

    @OptionGroup var modelOptions: ModelOptions

    @Option(help: "The prompt.")
    var prompt: String

    @Option(help: "How many of the largest logits to print.")
    var top: Int = 10

    func run() throws {
        let engine = try modelOptions.load()
        let tokens = engine.tokenize(prompt)
        guard !tokens.isEmpty else { throw ValidationError("the prompt has no tokens") }
        let v = engine.model.config.vocabSize
        var logits = [Float](repeating: 0, count: v)
        let cache = engine.model.makeCache(capacity: tokens.count)
        try logits.withUnsafeMutableBufferPointer { try engine.model.forward(tokens: tokens, cache: cache, logits: $0.baseAddress!, allLogits: false) }
        let best = logits.enumerated().sorted { $0.element > $1.element }.prefix(max(1, top))
        try printJSON(["prompt_tokens": tokens.map { Int($0) }, "top": best.map { [$0.offset, Double($0.element)] }])
    }
}
