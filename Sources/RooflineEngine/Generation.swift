import Foundation
import RooflineModel
import RooflineSampling
import RooflineTokenizer

/// What to generate and when to stop.
public struct GenerationOptions: Sendable {
    public var maxTokens: Int = 128
    public var sampling = SamplingParameters()
    /// Generation stops before the first occurrence of any of these strings.
    public var stop: [String] = []
    /// Never end on an end-of-generation token (their logits are set to -inf): run to the token limit, as
    /// llama.cpp's `ignore_eos` does (benchmarks).
    public var ignoreEOS = false
    /// With a value, each generated token comes with its log-probability and that many (0-20) alternatives
    /// (`TokenLogprob`).
    public var logprobs: Int?
    public init(maxTokens: Int = 128, sampling: SamplingParameters = SamplingParameters(), stop: [String] = [], ignoreEOS: Bool = false,
                logprobs: Int? = nil) {
        self.maxTokens = maxTokens
        self.sampling = sampling
        self.stop = stop
        self.ignoreEOS = ignoreEOS
        self.logprobs = logprobs
    }
}

/// Why generation ended (OpenAI's `finish_reason`).
public enum FinishReason: String, Sendable, Codable {
    case stop, length
}

/// The outcome of one generation, with timings.
public struct GenerationResult: Sendable {
    public var text: String
    public var tokens: [Int32]
    public var promptTokens: Int
    public var finishReason: FinishReason
    public var prefillSeconds: Double
    public var decodeSeconds: Double
    /// Tokens produced by decode steps (the first token comes from prefill).
    public var decodeSteps: Int
    /// Prompt tokens whose keys and values came from a conversation cache instead of prefill.
    public var cachedTokens: Int = 0

    public var prefillTokensPerSecond: Double { prefillSeconds > 0 ? Double(promptTokens) / prefillSeconds : 0 }
    public var decodeTokensPerSecond: Double { decodeSeconds > 0 ? Double(decodeSteps) / decodeSeconds : 0 }
}

extension Engine {
    /// Generates after `prompt`, calling `onText` with each piece of new text as soon as it is complete UTF-8
    /// and cannot be the start of a stop string.
    ///
    /// With a `conversation` cache, the prompt's longest prefix already in it is reused and only the rest is
    /// prefilled; afterwards the cache holds the prompt and the generated tokens for the next turn.
    public func generate(prompt: [Int32], options: GenerationOptions, conversation: ConversationCache? = nil,
                         onText: (String) -> Void = { _ in }) throws(EngineError) -> GenerationResult {
        do { try options.sampling.validate() } catch { throw .sampling(error) }
        guard !prompt.isEmpty else { throw .emptyPrompt }
        guard prompt.count < contextSize else { throw .promptTooLong(promptTokens: prompt.count, contextSize: contextSize) }
        let maxNew = min(max(0, options.maxTokens), contextSize - prompt.count)
        let cache = conversation?.cache ?? model.makeCache(capacity: contextSize)
        let reused = conversation?.reusable(for: prompt) ?? 0
        cache.truncate(to: reused)
        conversation?.tokens = Array(prompt.prefix(reused))
        let vocab = model.config.vocabSize
        let logits = UnsafeMutableBufferPointer<Float>.allocate(capacity: vocab)
        defer { logits.deallocate() }
        var sequence = SequenceGenerator(tokenizer: tokenizer, prompt: prompt, options: options, maxNew: maxNew)
        let clock = ContinuousClock()

        let t0 = clock.now
        do {
            try model.forward(tokens: Array(prompt[reused...]), cache: cache, logits: logits.baseAddress!, allLogits: false)
        } catch {
            conversation?.clear()
            throw .model(error)
        }
        conversation?.tokens = prompt
        let prefill = clock.now - t0
        let t1 = clock.now
        var steps = 0
        while sequence.finish == nil {
            let (next, shown) = sequence.accept(logits: logits)
            if !shown.isEmpty { onText(shown) }
            guard let next, sequence.finish == nil else { break }
            do {
                try model.forward(token: next, cache: cache, logits: logits.baseAddress!)
            } catch {
                conversation?.clear()
                throw .model(error)
            }
            conversation?.tokens.append(next)
            steps += 1
        }
        let decode = clock.now - t1
        return GenerationResult(text: sequence.text, tokens: sequence.generated, promptTokens: prompt.count, finishReason: sequence.finish ?? .length,
                                prefillSeconds: prefill.seconds, decodeSeconds: decode.seconds, decodeSteps: steps, cachedTokens: reused)
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}
