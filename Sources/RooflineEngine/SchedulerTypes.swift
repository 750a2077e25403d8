import RooflineModel
import RooflineSampling

/// What a scheduled sequence reports, in order: one `token` per generated token (and at most one `text`
/// after the last), then exactly one of `finished` or `failed`.
public enum SequenceEvent: Sendable {
    /// A token was generated; `text` is what may be shown now (empty while UTF-8 or a possible stop string is
    /// incomplete).
    case token(text: String, logprob: TokenLogprob? = nil)
    /// Text held back (a possible stop string, an incomplete character) released when generation ended on a
    /// token that adds no text of its own (end of generation): no token was generated for it.
    case text(String)
    case finished(SequenceSummary)
    case failed(SchedulerError)
}

/// The outcome of a finished sequence.
public struct SequenceSummary: Sendable {
    public var text: String
    public var promptTokens: Int
    public var completionTokens: Int
    public var finishReason: FinishReason
    /// Seconds from submission to admission into a slot.
    public var queuedSeconds: Double
    /// Each generated token's log-probability, when the options asked for them.
    public var logprobs: [TokenLogprob] = []
    /// The stop string that ended the sequence, if one did.
    public var stopSequence: String? = nil
    /// Prompt tokens whose keys and values came from the prefix cache.
    public var cachedTokens: Int = 0
}

/// Why a request could not be scheduled or did not finish.
public enum SchedulerError: Error, Sendable, CustomStringConvertible, Equatable {
    case queueFull(limit: Int)
    case promptTooLong(promptTokens: Int, contextSize: Int)
    case emptyPrompt
    case invalidSampling(String)
    case shuttingDown
    case timedOut(seconds: Double)
    case cancelled
    case model(String)

    public var description: String {
        switch self {
        case .queueFull(let n): "the server is at capacity: every slot is busy and \(n) requests are already waiting; retry later"
        case .promptTooLong(let p, let c): "the prompt has \(p) tokens but the context holds \(c) per sequence (the prompt must be shorter than the context)"
        case .emptyPrompt: "the prompt is empty"
        case .invalidSampling(let m): m
        case .shuttingDown: "the server is shutting down"
        case .timedOut(let s): "the request ran past its time limit of \(s) s"
        case .cancelled: "the request was cancelled"
        case .model(let m): "the model failed: \(m)"
        }
    }
}

/// Settings of the continuous-batching scheduler.
public struct SchedulerConfiguration: Sendable {
    /// Sequences decoded together at most (the batch limit).
    public var parallel: Int
    /// Positions per sequence (prompt + generated).
    public var contextSize: Int
    /// Requests that may wait for a slot; more are refused with `queueFull`.
    public var maxQueue: Int
    /// Prompt tokens per sequence per step while other sequences are decoding (so prompts don't stall streams).
    public var prefillChunk: Int
    /// A sequence still running after this long ends with `timedOut` (nil: no limit).
    public var requestTimeout: Duration?
    /// Full KV blocks are indexed by content and kept after their sequence ends; a new request starts from the
    /// longest cached prefix of its prompt, prefilling only the rest.
    public var prefixCache: Bool
    /// Bytes of the KV block pool (nil: `parallel` × `contextSize` positions, every sequence at full context).
    public var kvMemory: Int?
    /// Speculative decoding with a draft model for every sequence: up to `draftTokens` of its proposals per
    /// sequence per step (lookup's, when both are on and lookup has any, go first). Each running sequence keeps a
    /// draft cache; their memory counts in the start-up check.
    public var draft: DraftModel?
    public var draftTokens: Int = 4
    /// Speculative decoding by prompt lookup for every sequence: up to this many n-gram proposals per sequence
    /// per step, checked in the same batched pass (0: off). Lossless, as in `Engine.generate`.
    public var lookupTokens: Int = 0

    public init(parallel: Int = 4, contextSize: Int = 2048, maxQueue: Int = 64, prefillChunk: Int = 64, requestTimeout: Duration? = nil,
                prefixCache: Bool = true) {
        self.parallel = parallel
        self.contextSize = contextSize
        self.maxQueue = maxQueue
        self.prefillChunk = prefillChunk
        self.requestTimeout = requestTimeout
        self.prefixCache = prefixCache
    }
}

/// A snapshot of the scheduler's load.
public struct SchedulerStats: Sendable {
    public var queued: Int
    public var active: Int
    public var slots: Int
    /// KV-cache positions in blocks in use and in the whole pool.
    public var kvUsedTokens: Int
    public var kvCapacityTokens: Int
    public var kvUsedBytes: Int
    public var kvCapacityBytes: Int
    /// Batched forward passes run so far.
    public var steps: Int
    /// False once shutdown has begun: nothing new is admitted.
    public var accepting: Bool = true
    /// Prompt tokens of admitted requests, and those of them whose keys and values a slot already held.
    public var prefixQueryTokens: Int = 0
    public var prefixHitTokens: Int = 0
    /// Positions held by free slots for later requests (prefix cache).
    public var kvCachedTokens: Int = 0
    /// Speculative decoding: tokens proposed and tokens of them accepted, over all sequences so far.
    public var proposedTokens: Int = 0
    public var acceptedTokens: Int = 0
    /// The KV block pool: blocks in use, cached, free; evictions and copies so far.
    public var kvBlocks = KVBlockPool.Usage(total: 0, inUse: 0, cached: 0, free: 0, evictions: 0, copies: 0)
    /// Sequences taken out to free blocks (their work redone later), so far.
    public var preemptions: Int = 0
}
