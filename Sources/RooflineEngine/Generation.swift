import Foundation
import RooflineModel
import RooflineGrammar
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
    /// Speculative decoding by prompt lookup: up to this many proposed tokens are checked in one batched pass
    /// (0: off). Lossless: the output is the one plain decoding gives (greedy, or the same seed's samples).
    public var lookupTokens = 0
    /// Output constrained to this grammar (structured outputs): only tokens that keep the text a prefix of a
    /// sentence of it are sampled, and end-of-generation only where the text is whole.
    public var grammar: Grammar?
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
    /// Speculative decoding: tokens proposed and tokens of them accepted.
    public var proposedTokens: Int = 0
    public var acceptedTokens: Int = 0
    public var acceptanceRate: Double { proposedTokens > 0 ? Double(acceptedTokens) / Double(proposedTokens) : 0 }

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
        let draft = max(0, min(options.lookupTokens, model.maxBatch - 1))
        let logits = UnsafeMutableBufferPointer<Float>.allocate(capacity: vocab * (draft + 1))
        defer { logits.deallocate() }
        var sequence = SequenceGenerator(tokenizer: tokenizer, prompt: prompt, options: options, maxNew: maxNew,
                                         vocabulary: options.grammar == nil ? nil : grammarVocabulary)
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
        var proposed = 0, accepted = 0
        // The tokens whose keys and values are in the cache, in order (the prompt, then every token fed).
        var history = prompt
        let lookup = LookupProposer()
        func row(_ i: Int) -> UnsafeMutableBufferPointer<Float> { UnsafeMutableBufferPointer(rebasing: logits[(i * vocab)..<((i + 1) * vocab)]) }
        var (pending, shown) = sequence.accept(logits: row(0))
        if !shown.isEmpty { onText(shown) }
        // Each turn feeds the accepted token `next` with up to `draft` proposals in one pass; row i then holds the
        // logits after `next` and i proposals. Rows are sampled in turn as plain decoding would sample them: a
        // proposal stands while it equals the sample (for a deterministic proposer this keeps the output, and
        // with sampling its distribution, the target's), and the first sample that differs, or the one after
        // the last proposal, is the next token to feed; the positions past it are dropped from the cache.
        var k = draft  // proposals per step, adapted: grown after a step whose proposals all held, cut after one that failed early
        while let next = pending, sequence.finish == nil {
            let room = min(k, contextSize - cache.count - 1, sequence.maxNew - sequence.generated.count)
            let proposals = room > 0 ? lookup.propose(history + [next], count: room) : []
            let base = cache.count
            do {
                if proposals.isEmpty {
                    try model.forward(token: next, cache: cache, logits: logits.baseAddress!)
                } else {
                    try model.forward(tokens: [next] + proposals, cache: cache, logits: logits.baseAddress!, allLogits: true)
                }
            } catch {
                conversation?.clear()
                throw .model(error)
            }
            history.append(next)
            proposed += proposals.count
            pending = nil
            for i in 0...proposals.count {
                let (token, text) = sequence.accept(logits: row(i))
                if !text.isEmpty { onText(text) }
                if let token, sequence.finish == nil, i < proposals.count, token == proposals[i] {
                    history.append(token)
                    accepted += 1
                    continue
                }
                cache.truncate(to: base + 1 + i)
                pending = token
                if !proposals.isEmpty { k = i == proposals.count ? min(draft, k * 2) : max(1, i + 1) }
                break
            }
        }
        conversation?.tokens = history
        let steps = max(0, sequence.generated.count - 1)
        let decode = clock.now - t1
        return GenerationResult(text: sequence.text, tokens: sequence.generated, promptTokens: prompt.count, finishReason: sequence.finish ?? .length,
                                prefillSeconds: prefill.seconds, decodeSeconds: decode.seconds, decodeSteps: steps, cachedTokens: reused,
                                proposedTokens: proposed, acceptedTokens: accepted)
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}
