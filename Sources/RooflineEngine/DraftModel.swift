import Foundation
import RooflineModel
import RooflineSampling
import RooflineTokenizer

/// A small model of the target's vocabulary that proposes tokens for speculative decoding (Qwen2.5-Coder-0.5B
/// for Qwen2.5-Coder-1.5B): it runs on the target's math threads and keeps its own KV cache per generation.
public final class DraftModel: @unchecked Sendable {
    public let engine: Engine
    /// Greedy drafting stops at a token the draft gives less than this probability (llama.cpp's `--draft-p-min`
    /// default): an unlikely proposal costs a draft step and is seldom accepted.
    public var minProbability: Float = 0.75

    /// Loads the draft at `path` beside `target` (same context size, kernels and thread pool). Refuses a draft
    /// whose vocabulary differs from the target's, or whose weights and KV cache would not fit in memory beside
    /// the target's (`memoryLimit`: this machine's memory unless given).
    public init(path: String, target: Engine, memoryLimit: UInt64? = nil) throws(EngineError) {
        let limit = memoryLimit ?? ProcessInfo.processInfo.physicalMemory
        let engine = try Engine(path: path, threads: target.model.pool.count, contextSize: target.contextSize,
                                kernelPath: target.model.kernelPath, pool: target.model.pool, kvType: target.model.kvType)
        try Self.checkVocabulary(draft: engine.tokenizer, target: target.tokenizer)
        let need = Self.memory(target) + Self.memory(engine)
        guard need <= limit else {
            let gb = { (b: UInt64) in String(format: "%.2f GB", Double(b) / 1e9) }
            throw .invalidArgument("the draft model does not fit: it and the target take \(gb(need)) (weights and a KV cache of \(target.contextSize) positions each) but \(gb(limit)) of memory is available; use a smaller draft or context size")
        }
        self.engine = engine
        engine.model.vocabularyLimit = Self.defaultVocabularyLimit < engine.model.config.vocabSize ? Self.defaultVocabularyLimit : nil
    }

    /// The draft proposes only among token ids below this by default (the rest of its output head is not read;
    /// the choice is measured in docs/performance.md, "Measurements behind the code").
    public static let defaultVocabularyLimit = 65_536

    /// Token ids the draft may propose (nil: all): lower means less of its output head read per token, and
    /// proposals only among the most frequent tokens. Never changes the output, only how much is proposed.
    public var vocabularyLimit: Int? {
        get { engine.model.vocabularyLimit }
        set { engine.model.vocabularyLimit = newValue.map { max(1, $0) } }
    }

    /// A model's weights (its file, mapped) and one context's KV cache.
    static func memory(_ e: Engine) -> UInt64 {
        UInt64(e.file.fileSize) + UInt64(KVCache.bytes(config: e.model.config, capacity: e.contextSize, kvType: e.model.kvType))
    }

    /// The checks llama.cpp's speculative decoding makes: the same tokenizer kind, vocabularies within 128
    /// tokens of each other, the same text for every shared id, and the same BOS and EOS.
    public static func checkVocabulary(draft d: Tokenizer, target t: Tokenizer) throws(EngineError) {
        func refuse(_ what: String) -> EngineError {
            .invalidArgument("the draft model's vocabulary differs from the target's: \(what); a draft must share the target's tokenizer")
        }
        guard d.kind == t.kind else { throw refuse("its tokenizer is \(d.kind.rawValue), the target's \(t.kind.rawValue)") }
        guard abs(d.vocabSize - t.vocabSize) <= 128 else { throw refuse("it has \(d.vocabSize) tokens, the target \(t.vocabSize)") }
        for i in 0..<min(d.vocabSize, t.vocabSize) where d.tokens[i] != t.tokens[i] {
            throw refuse("token \(i) is \(d.tokens[i].debugDescription) in the draft and \(t.tokens[i].debugDescription) in the target")
        }
        guard d.bos == t.bos, d.addBOS == t.addBOS else { throw refuse("its BOS token (\(d.bos.map(String.init) ?? "none")) or its use differs") }
        guard d.eos == t.eos else { throw refuse("its EOS token is \(d.eos.map(String.init) ?? "none"), the target's \(t.eos.map(String.init) ?? "none")") }
    }
}

/// One generation's use of a draft model: its KV cache, the tokens in it, and the distributions it drew its
/// proposals from (for speculative sampling's acceptance rule).
final class DraftSession {
    let draft: DraftModel
    let model: Transformer
    let cache: KVCache
    private(set) var consumed: [Int32] = []
    private let logits: UnsafeMutableBufferPointer<Float>
    /// A dense row of q for `verify` (zero except while one row is written into it).
    private let dense: UnsafeMutableBufferPointer<Float>
    private var sampler: Sampler
    /// Proposals are draws from the draft's distribution (temperature above 0), judged by speculative sampling's rule.
    let sampled: Bool
    private let targetVocab: Int
    /// The distribution each proposal of the last `propose` was drawn from (sampling only).
    private var drawnFrom: [[(id: Int32, p: Float)]] = []

    /// A session for one generation; `reusing` an earlier one of the same draft keeps its cache and tokens.
    init(_ draft: DraftModel, capacity: Int, sampling: SamplingParameters, targetVocab: Int, reusing kept: DraftSession? = nil) {
        self.draft = draft
        model = draft.engine.model
        if let kept, kept.cache.capacity >= capacity {
            cache = kept.cache
            consumed = kept.consumed
        } else {
            cache = model.makeCache(capacity: capacity)
        }
        let vocab = model.config.vocabSize
        logits = .allocate(capacity: vocab)
        dense = .allocate(capacity: vocab)
        dense.initialize(repeating: 0)
        var s = sampling
        s.seed = sampling.seed &+ 0x9E37_79B9_7F4A_7C15  // the draft's draws independent of the target's
        sampler = Sampler(s)
        sampled = sampling.temperature > 0
        self.targetVocab = targetVocab
    }

    deinit {
        logits.deallocate()
        dense.deallocate()
    }

    /// Brings the draft's cache to `history` (keeping the longest shared prefix, feeding the rest in one pass);
    /// its logits then follow the last token.
    func sync(_ history: [Int32]) throws(ModelError) {
        let feed = rollBack(to: history)
        guard !feed.isEmpty else { return }
        try model.forward(tokens: feed, cache: cache, logits: logits.baseAddress!, allLogits: false)
        consumed.append(contentsOf: feed)
    }

    /// Drops what the cache holds past the longest prefix it shares with `history` and returns the tokens of
    /// `history` still to feed (at least the last, whose logits are needed; none for an empty history).
    private func rollBack(to history: [Int32]) -> [Int32] {
        var common = 0
        let n = min(consumed.count, history.count)
        while common < n && consumed[common] == history[common] { common += 1 }
        if common == history.count { common -= 1 }  // refeed the last token for its logits
        guard common >= 0 else { return [] }
        cache.truncate(to: common)
        consumed.removeLast(consumed.count - common)
        return Array(history[common...])
    }

    /// Greedy proposals for several sequences' sessions of one draft model at once (`count` each at most, stopped
    /// where the draft is unsure, as `propose` stops): every pass of the draft runs all the sessions still
    /// proposing in one batch, so the draft's weights are read once per step for all of them.
    static func proposeTogether(_ items: [(session: DraftSession, history: [Int32], count: Int)]) throws(ModelError) -> [[Int32]] {
        guard let model = items.first?.session.model else { return [] }
        let vocab = model.config.vocabSize
        let rows = UnsafeMutableBufferPointer<Float>.allocate(capacity: items.count * vocab)
        defer { rows.deallocate() }
        /// Runs one batch (entry k: session `who[k]` fed `feeds[k]`) and hands each session its row of logits.
        func pass(_ who: [Int], _ feeds: [[Int32]]) throws(ModelError) {
            let entries = zip(who, feeds).map { Transformer.BatchEntry(tokens: $1, cache: items[$0].session.cache) }
            try model.forward(batch: entries, logits: rows.baseAddress!)
            for (k, i) in who.enumerated() {
                let s = items[i].session
                s.logits.baseAddress!.update(from: rows.baseAddress! + k * vocab, count: vocab)
                s.consumed.append(contentsOf: feeds[k])
            }
        }
        var proposals = [[Int32]](repeating: [], count: items.count)
        var syncing: [Int] = [], feeds: [[Int32]] = []
        for (i, it) in items.enumerated() where it.count > 0 {
            precondition(!it.session.sampled, "batched proposals are greedy")
            let feed = it.session.rollBack(to: it.history)
            if !feed.isEmpty { syncing.append(i); feeds.append(feed) }
        }
        if !syncing.isEmpty { try pass(syncing, feeds) }
        var live = syncing
        while !live.isEmpty {
            var next: [Int] = [], tokens: [[Int32]] = []
            for i in live {
                let s = items[i].session
                let t = Sampler.argmax(UnsafeBufferPointer(s.logits))
                guard s.topProbability(of: t) >= s.draft.minProbability, Int(t) < s.targetVocab else { continue }
                proposals[i].append(t)
                if s.draft.engine.tokenizer.endOfGeneration.contains(t) || proposals[i].count == items[i].count { continue }
                next.append(i)
                tokens.append([t])
            }
            if !next.isEmpty { try pass(next, tokens) }
            live = next
        }
        return proposals
    }

    /// Up to `count` tokens proposed to follow `history`: the draft's greedy choices while it gives them at least
    /// `minProbability`, or, when sampling, draws from its distribution (remembered for `verify`).
    func propose(after history: [Int32], count: Int) throws(ModelError) -> [Int32] {
        try sync(history)
        drawnFrom.removeAll(keepingCapacity: true)
        var out: [Int32] = []
        let eog = draft.engine.tokenizer.endOfGeneration
        while out.count < count {
            let t: Int32
            if sampled {
                let dist = sampler.distribution(logits, recent: (history + out)[...])
                t = sampler.draw(from: dist)
                drawnFrom.append(dist)
            } else {
                t = Sampler.argmax(UnsafeBufferPointer(logits))
                guard topProbability(of: t) >= draft.minProbability else { break }
            }
            guard Int(t) < targetVocab else { drawnFrom.removeLast(drawnFrom.count - out.count); break }
            out.append(t)
            if eog.contains(t) || out.count == count { break }
            try model.forward(token: t, cache: cache, logits: logits.baseAddress!)
            consumed.append(t)
        }
        return out
    }

    /// softmax(logits)[t] (over the ids the draft computes logits for).
    private func topProbability(of t: Int32) -> Float {
        let top = logits[Int(t)]
        var sum: Float = 0
        for x in logits.prefix(model.vocabularyLimit ?? logits.count) { sum += expf(x - top) }
        return 1 / sum
    }

    /// Calls `body` with proposal `i`'s draft distribution as a dense row of probabilities (sampling only).
    func withDistribution<R>(_ i: Int, _ body: (UnsafeBufferPointer<Float>) -> R) -> R {
        let dist = drawnFrom[i]
        for d in dist where Int(d.id) < dense.count { dense[Int(d.id)] = d.p }
        defer { for d in dist where Int(d.id) < dense.count { dense[Int(d.id)] = 0 } }
        return body(UnsafeBufferPointer(dense))
    }
}
