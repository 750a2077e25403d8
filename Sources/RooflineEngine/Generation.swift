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
    /// Speculative decoding with a draft model: it proposes up to `draftTokens` tokens per step, checked in one
    /// batched pass of the target. Lossless: greedy output is plain greedy decoding's; sampled output keeps the
    /// target's distribution (speculative sampling's acceptance rule). With `lookupTokens` too, an n-gram
    /// proposal is tried first and the draft runs when there is none.
    public var draft: DraftModel?
    public var draftTokens = 4
    /// False opts this generation out of a scheduler's server-wide speculation (`SchedulerConfiguration.lookupTokens`).
    public var speculative = true
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
        let lookupK = max(0, min(options.lookupTokens, model.maxBatch - 1))
        let draftK = options.draft == nil ? 0 : max(0, min(options.draftTokens, model.maxBatch - 1))
        let logits = UnsafeMutableBufferPointer<Float>.allocate(capacity: vocab * (max(lookupK, draftK) + 1))
        defer { logits.deallocate() }
        var sequence = SequenceGenerator(tokenizer: tokenizer, prompt: prompt, options: options, maxNew: maxNew,
                                         vocabulary: options.grammar == nil ? nil : grammarVocabulary)
        // A conversation keeps its draft's cache between turns too (its sampler restarts from the options' seed).
        let drafting = options.draft.map { d in
            let kept = conversation?.drafting.flatMap { $0.draft === d ? $0 : nil }
            let s = DraftSession(d, capacity: contextSize, sampling: options.sampling, targetVocab: vocab, reusing: kept)
            conversation?.drafting = s
            return s
        }
        let clock = ContinuousClock()

        let t0 = clock.now
        do {
            try model.forward(tokens: Array(prompt[reused...]), cache: cache, logits: logits.baseAddress!, allLogits: false)
            try drafting?.sync(prompt)
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
        // Each turn feeds the accepted token `next` with its proposals in one pass; row i then holds the logits
        // after `next` and i proposals. Rows are chosen in turn as plain decoding would choose them: a lookup or
        // greedy draft proposal stands while it equals the sample (for a deterministic proposer this keeps the
        // output, and with sampling its distribution, the target's); a sampled draft proposal stands by
        // speculative sampling's rule. The first token that differs, or the one after the last proposal, is the
        // next token to feed; the positions past it are dropped from the cache.
        var k = lookupK  // lookup proposals per step (LookupProposer.nextCount)
        while let next = pending, sequence.finish == nil {
            let room = min(contextSize - cache.count - 1, sequence.maxNew - sequence.generated.count)
            let base = cache.count
            var proposals: [Int32] = []
            var fromDraft = false
            do {
                if lookupK > 0 && room > 0 { proposals = lookup.propose(history + [next], count: min(k, room)) }
                if proposals.isEmpty, let drafting, room > 0 {
                    proposals = try drafting.propose(after: history + [next], count: min(draftK, room))
                    fromDraft = true
                }
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
                let (token, text) = if fromDraft, i < proposals.count, let drafting, drafting.sampled {
                    drafting.withDistribution(i) { sequence.accept(logits: row(i), proposal: (proposals[i], $0)) }
                } else {
                    sequence.accept(logits: row(i))
                }
                if !text.isEmpty { onText(text) }
                let held = token != nil && i < proposals.count && token == proposals[i]
                if held { accepted += 1 }
                if held && sequence.finish == nil {
                    history.append(token!)
                    continue
                }
                cache.truncate(to: base + 1 + i)
                pending = token
                if !proposals.isEmpty && !fromDraft { k = LookupProposer.nextCount(current: k, proposed: proposals.count, held: i, limit: lookupK) }
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
