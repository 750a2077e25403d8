import ArgumentParser
import Foundation
import RooflineEngine
import RooflineGGUF
import RooflineGrammar
import RooflineTokenizer

struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Generate text from a prompt, streaming it as it is produced.")

    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var sampling: SamplingOptions

    @Option(help: "The prompt.")
    var prompt: String = "The memory wall is"

    @Flag(help: "Wrap the prompt as a user message in the model's chat template.")
    var chat = false

    @Flag(help: "Print one JSON object with the text, tokens and speeds instead of streaming.")
    var json = false

    @OptionGroup var speculative: SpeculativeOptions

    @Option(help: "Constrain the output to a GBNF grammar (llama.cpp's format) read from this file.")
    var grammar: String?

    @Option(name: .customLong("json-schema"), help: "Constrain the output to JSON that validates against the JSON Schema in this file.")
    var jsonSchema: String?

    /// The grammar the options ask for, compiled (nil: none).
    func constraint() throws -> Grammar? {
        if grammar != nil && jsonSchema != nil { throw ValidationError("give --grammar or --json-schema, not both") }
        do {
            if let grammar {
                let text = try String(decoding: readRegularFile(grammar, maxBytes: 1 << 20), as: UTF8.self)
                return try Grammar(gbnf: text)
            }
            if let jsonSchema {
                let data = try readRegularFile(jsonSchema, maxBytes: 1 << 20)
                let schema = try JSONDecoder().decode(JSONValue.self, from: data)
                return try JSONSchemaGrammar.grammar(schema: schema)
            }
        } catch let e as GrammarError {
            throw ValidationError("\(grammar != nil ? "--grammar" : "--json-schema"): \(e)")
        } catch is DecodingError {
            throw ValidationError("--json-schema: \(jsonSchema ?? "") is not valid JSON")
        }
        return nil
    }

    func run() throws {
        let engine = try modelOptions.load()
        let tokens = chat
            ? try engine.chatPrompt([ChatMessage(role: "user", content: prompt)])
            : engine.tokenize(prompt)
        if chat, let why = engine.chatTemplate.fallbackReason { Stderr.print("warning: \(why)") }
        var options = GenerationOptions(maxTokens: sampling.maxTokens, sampling: sampling.parameters, stop: sampling.stop)
        try speculative.apply(to: &options, target: engine)
        options.grammar = try constraint()
        // The prompt is echoed with the first generated text, so an error never follows a half-printed line.
        var echoed = json || chat
        // With --chat, a harmony model's reply is shown by channel (ChannelPrinter); --json gives the raw text.
        var printer = chat ? ChannelPrinter(engine: engine) : nil
        let result = try engine.generate(prompt: tokens, options: options) { piece in
            if !echoed { emit(prompt); echoed = true }
            if json { return }
            if printer != nil { printer!.take(piece) } else { emit(piece) }
        }
        if !echoed { emit(prompt) }
        if !json { _ = printer?.finish(full: result.text) }
        if json {
            try printJSON([
                "text": result.text,
                "tokens": result.tokens.map { Int($0) },
                "prompt_tokens": result.promptTokens,
                "completion_tokens": result.tokens.count,
                "finish_reason": result.finishReason.rawValue,
                "prefill_tokens_per_s": result.prefillTokensPerSecond,
                "decode_tokens_per_s": result.decodeTokensPerSecond,
                "proposed_tokens": result.proposedTokens,
                "accepted_tokens": result.acceptedTokens,
                "acceptance_rate": result.acceptanceRate,
            ])
        } else {
            emit("\n")
            let spec = speculative.summary(result)
            Stderr.print(String(format: "[prompt %d tokens, %.1f tok/s | generated %d tokens, %.1f tok/s | %@%@]",
                                result.promptTokens, result.prefillTokensPerSecond, result.tokens.count,
                                result.decodeTokensPerSecond, result.finishReason.rawValue, spec))
        }
    }
}
