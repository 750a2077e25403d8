import RooflineGrammar
import RooflineSampling
import RooflineTokenizer

/// One sequence's generation after its prompt: sampling, UTF-8 streaming, stop strings and the token limit.
/// `Engine.generate` and the continuous-batching `Scheduler` both drive it, one logits row at a time.
public struct SequenceGenerator: Sendable {
    private let tokenizer: Tokenizer
    private var sampler: Sampler
    private var history: [Int32]
    private var decoder = StreamingDecoder()
    private var filter: StopStringFilter
    private let ignoreEOS: Bool
    private let logprobs: Int?
    private let temperature: Float
    private let constraint: ConstraintBox?
    /// The log-probability of the token the last `accept` chose, when the options ask for them.
    public private(set) var lastLogprob: TokenLogprob?
    /// Every generated token's log-probability, in order, when the options ask for them.
    public private(set) var logprobHistory: [TokenLogprob] = []
    /// The most tokens this sequence may generate.
    public let maxNew: Int
    /// Tokens generated so far (end-of-generation tokens are not included).
    public private(set) var generated: [Int32] = []
    /// Set once the sequence has ended.
    public private(set) var finish: FinishReason?

    public init(tokenizer: Tokenizer, prompt: [Int32], options: GenerationOptions, maxNew: Int, vocabulary: GrammarVocabulary? = nil) {
        self.tokenizer = tokenizer
        sampler = Sampler(options.sampling)
        history = prompt
        filter = StopStringFilter(stops: options.stop)
        ignoreEOS = options.ignoreEOS
        logprobs = options.logprobs
        temperature = options.sampling.temperature
        if let g = options.grammar, let vocabulary {
            constraint = ConstraintBox(TokenConstraint(grammar: g, vocabulary: vocabulary))
        } else {
            constraint = nil
        }
        self.maxNew = max(0, maxNew)
        if self.maxNew == 0 { finish = .length }
    }

    /// The text generated so far (cut before a stop string).
    public var text: String { filter.text }

    /// The stop string that ended the sequence, if one did.
    public var stopSequence: String? { filter.matched }

    /// Chooses the next token from the logits that followed the last token fed to the model. Returns the token
    /// to feed next (nil when the sequence ended on an end-of-generation token) and the text that may be shown.
    public mutating func accept(logits: UnsafeMutableBufferPointer<Float>) -> (token: Int32?, text: String) {
        accept(logits: logits, proposal: nil)
    }

    /// As `accept(logits:)`, for a row that checks a draft model's sampled `proposal` (drawn from the draft's
    /// probabilities `draft`, one per vocabulary id): the token is chosen by speculative sampling's rule, so it
    /// is `proposal` with probability min(1, p/q) and otherwise a draw from the residual; the sequence's
    /// tokens keep the distribution plain sampling gives them.
    public mutating func accept(logits: UnsafeMutableBufferPointer<Float>, proposal: (token: Int32, draft: UnsafeBufferPointer<Float>)?) -> (token: Int32?, text: String) {
        guard finish == nil else { return (nil, "") }
        if ignoreEOS {
            for t in tokenizer.endOfGeneration where Int(t) < logits.count { logits[Int(t)] = -.infinity }
        }
        let next: Int32
        if let c = constraint?.value {
            let p = sampler.parameters
            let plain = p.repetitionPenalty == 1 && p.frequencyPenalty == 0 && p.presencePenalty == 0
            let best = p.temperature <= 0 && plain && logprobs == nil ? Sampler.argmax(UnsafeBufferPointer(logits)) : nil
            if let best, c.allows(best) {
                next = best  // greedy: the best token is allowed, so it is the best allowed one (no mask needed)
            } else {
                c.apply(to: logits)
                guard logits.contains(where: { $0 > -.infinity }) else {
                    finish = .stop  // nothing may follow (the grammar's text is whole and end-of-generation is off)
                    return (nil, filter.append(decoder.flush()) + filter.finish())
                }
                next = draw(logits, proposal)
            }
            c.accept(next)
        } else {
            next = draw(logits, proposal)
        }
        if let logprobs {
            // The sampler applied its penalties to `logits` in place: these are the values it drew from.
            lastLogprob = TokenLogprob.compute(UnsafeBufferPointer(logits), temperature: temperature, token: next, top: logprobs)
        }
        if tokenizer.endOfGeneration.contains(next) {
            finish = .stop  // a character cut off by EOS is dropped
            return (nil, filter.finish())
        }
        generated.append(next)
        history.append(next)
        if let lastLogprob { logprobHistory.append(lastLogprob) }
        var shown = filter.append(decoder.append(tokenizer.piece(next)))
        if filter.stopped {
            finish = .stop
            return (next, shown + filter.finish())
        }
        if generated.count >= maxNew {
            finish = .length  // a character cut off by the token limit is shown repaired
            shown += filter.append(decoder.flush())
            shown += filter.finish()
        }
        return (next, shown)
    }

    private mutating func draw(_ logits: UnsafeMutableBufferPointer<Float>, _ proposal: (token: Int32, draft: UnsafeBufferPointer<Float>)?) -> Int32 {
        guard let proposal else { return sampler.sample(logits, recent: history[...]) }
        return sampler.verify(logits, recent: history[...], proposal: proposal.token, draft: proposal.draft)
    }
}

/// A sequence's grammar constraint. The scheduler hands a sequence from thread to thread but never to two at
/// once, so the constraint's caches need no lock.
final class ConstraintBox: @unchecked Sendable {
    let value: TokenConstraint
    init(_ value: TokenConstraint) { self.value = value }
}
