import Foundation
import RooflineModel
import RooflineSampling

/// Continuous batching over paged KV: one thread runs a batched forward pass over every active sequence per step
/// (each weight read once for all of them), admits queued requests between steps while fewer than `parallel` run
/// and the block pool has room for their prompts, and feeds new prompts in chunks beside the running decodes so
/// they do not stall them. Sequences finish independently. Each sequence's cache draws 32-position blocks from
/// one `KVBlockPool` as it grows; with the prefix cache, a new sequence starts from the longest cached run of
/// full blocks of its prompt (shared, not copied) and its own full blocks are published for later ones. When a
/// sequence needs a block and none is left, the sequence admitted last is preempted: its blocks are released
/// (published first, so they stay cached unless evicted) and it waits at the head of the queue to prefill its
/// tokens again and go on where it was. Events go to each request's sink from the scheduler thread, never while
/// a lock is held.
public final class Scheduler: @unchecked Sendable {
    public let engine: Engine
    public let configuration: SchedulerConfiguration

    private final class Request {
        let id: UInt64
        let prompt: [Int32]
        var sequence: SequenceGenerator
        let sink: @Sendable (SequenceEvent) -> Void
        let submitted: ContinuousClock.Instant
        var admitted: ContinuousClock.Instant?
        var cache: KVCache?
        /// The tokens to prefill: the prompt, or after a preemption everything the cache held (`next`, if
        /// set, is then still to be fed).
        var input: [Int32]
        var fed = 0          // input tokens already in the cache
        var cached = 0       // prompt tokens found in the prefix cache at first admission
        var order: UInt64 = 0  // admission order (the last admitted is preempted first)
        var preemptions = 0
        var next: Int32?     // the token to feed in the next decode step
        var lookahead = 1    // proposals to ask for next step (adapted as in Engine.generate; 0: none)
        var draft: DraftSession?  // the draft model's cache for this sequence (serve --draft-model)
        var speculative = true  // false: the request opted out of server-wide speculation
        init(id: UInt64, prompt: [Int32], sequence: SequenceGenerator, sink: @escaping @Sendable (SequenceEvent) -> Void, submitted: ContinuousClock.Instant) {
            self.id = id
            self.prompt = prompt
            input = prompt
            self.sequence = sequence
            self.sink = sink
            self.submitted = submitted
        }
        var prefilling: Bool { fed < input.count }
    }

    private enum State { case running, draining, stopped }

    private let cond = NSCondition()       // guards everything below it
    private var queue: [Request] = []
    private var active: [Request] = []
    private var state = State.running
    private var nextID: UInt64 = 1
    private var steps = 0
    private let cancelLock = NSLock()      // guards `cancelled` (taken from any thread, never with `cond`)
    private var cancelled: [UInt64: SchedulerError] = [:]

    /// The KV memory every sequence draws from.
    public let pool: KVBlockPool
    private var admissions: UInt64 = 0
    private var preemptions = 0
    private var prefixQueryTokens = 0, prefixHitTokens = 0
    private var proposedTokens = 0, acceptedTokens = 0
    private let lookup = LookupProposer()
    /// The most proposals per sequence per step (lookup or draft; 0: no speculation).
    private let speculativeTokens: Int
    /// Rows of `logits`: one per sequence, and room for the proposals of a step.
    private let logitRows: Int
    private let logits: UnsafeMutableBufferPointer<Float>
    private let clock = ContinuousClock()

    public init(engine: Engine, configuration: SchedulerConfiguration) throws(SchedulerError) {
        guard configuration.parallel >= 1 else { throw .invalidSampling("parallel must be at least 1") }
        guard configuration.contextSize >= 2 else { throw .invalidSampling("the context size must be at least 2") }
        guard configuration.contextSize <= engine.contextSize else {
            throw .promptTooLong(promptTokens: configuration.contextSize, contextSize: engine.contextSize)
        }
        self.engine = engine
        var cfg = configuration
        cfg.prefillChunk = max(1, min(cfg.prefillChunk, engine.model.maxBatch))
        cfg.maxQueue = max(0, cfg.maxQueue)
        cfg.lookupTokens = max(0, min(cfg.lookupTokens, engine.model.maxBatch - 1))
        cfg.draftTokens = cfg.draft == nil ? 0 : max(0, min(cfg.draftTokens, engine.model.maxBatch - 1))
        speculativeTokens = max(cfg.lookupTokens, cfg.draftTokens)
        self.configuration = cfg
        let blockBytes = KVBlockPool.blockBytes(config: engine.model.config, kvType: engine.model.kvType)
        let contextBlocks = KVBlockPool.blocks(forPositions: cfg.contextSize)
        let blocks: Int
        if let bytes = cfg.kvMemory {
            blocks = bytes / blockBytes
            guard blocks >= contextBlocks else {
                throw .model("a KV memory of \(bytes) bytes holds \(blocks * KVBlockPool.blockSize) positions (blocks of \(KVBlockPool.blockSize) positions, \(blockBytes) bytes each), less than one context of \(cfg.contextSize); raise the KV memory or lower the context size")
            }
        } else {
            let product = contextBlocks.multipliedReportingOverflow(by: cfg.parallel)
            blocks = product.overflow ? Int.max : product.partialValue
        }
        do {
            // With a draft model, each running sequence also has a draft cache of up to a context.
            let draftBytes = cfg.draft.map { d in
                KVCache.bytes(config: d.engine.model.config, capacity: cfg.contextSize, kvType: d.engine.model.kvType)
                    .multipliedReportingOverflow(by: cfg.parallel)
            }
            let bytes = blocks.multipliedReportingOverflow(by: blockBytes)
            let total = bytes.partialValue.addingReportingOverflow(draftBytes?.partialValue ?? 0)
            let overflow = bytes.overflow || draftBytes?.overflow == true || total.overflow
            try Engine.checkMemory(kvBytes: overflow ? -1 : total.partialValue,
                                   what: "a KV pool of \(blocks) blocks (\(blocks * KVBlockPool.blockSize) positions)"
                                       + (cfg.draft == nil ? "" : " and \(cfg.parallel) draft caches of \(cfg.contextSize) positions"))
        } catch {
            throw .model(error.description)
        }
        pool = KVBlockPool(config: engine.model.config, blocks: blocks, kvType: engine.model.kvType, prefixCaching: cfg.prefixCache)
        logitRows = speculativeTokens > 0 ? max(cfg.parallel, min(engine.model.maxBatch, cfg.parallel * (speculativeTokens + 1))) : cfg.parallel
        logits = .allocate(capacity: logitRows * engine.model.config.vocabSize)
        // The thread holds the scheduler until `shutdown` lets it end (a server's scheduler lives as long as it).
        let thread = Thread { self.loop() }
        thread.name = "roofline-scheduler"
        thread.start()
    }

    deinit { logits.deallocate() }

    /// Queues a generation. Returns the request's id (for `cancel`); events then arrive at `sink`.
    @discardableResult
    public func submit(prompt: [Int32], options: GenerationOptions, sink: @escaping @Sendable (SequenceEvent) -> Void) throws(SchedulerError) -> UInt64 {
        do { try options.sampling.validate() } catch { throw .invalidSampling(error.description) }
        guard !prompt.isEmpty else { throw .emptyPrompt }
        let ctx = configuration.contextSize
        guard prompt.count < ctx else { throw .promptTooLong(promptTokens: prompt.count, contextSize: ctx) }
        let vocab = engine.model.config.vocabSize
        if let bad = prompt.first(where: { $0 < 0 || Int($0) >= vocab }) {
            throw .invalidSampling("token id \(bad) is outside the vocabulary (0..<\(vocab))")
        }
        let maxNew = min(max(0, options.maxTokens), ctx - prompt.count)
        let sequence = SequenceGenerator(tokenizer: engine.tokenizer, prompt: prompt, options: options, maxNew: maxNew,
                                         vocabulary: options.grammar == nil ? nil : engine.grammarVocabulary)
        cond.lock()
        defer { cond.unlock() }
        guard state == .running else { throw .shuttingDown }
        guard queue.count - max(0, configuration.parallel - active.count) < configuration.maxQueue else { throw .queueFull(limit: configuration.maxQueue) }
        let id = nextID
        nextID += 1
        let request = Request(id: id, prompt: prompt, sequence: sequence, sink: sink, submitted: clock.now)
        request.speculative = options.speculative
        queue.append(request)
        cond.signal()
        return id
    }

    /// Ends a request (a client went away): it leaves the queue, or gives its KV blocks back before the next
    /// step. Its sink gets `failed(.cancelled)`. Unknown or finished ids are ignored.
    public func cancel(_ id: UInt64) { cancel(id, reason: .cancelled) }

    private func cancel(_ id: UInt64, reason: SchedulerError) {
        cancelLock.lock()
        cancelled[id] = cancelled[id] ?? reason
        cancelLock.unlock()
        cond.lock()
        cond.signal()
        cond.unlock()
    }

    public var stats: SchedulerStats {
        cond.lock()
        defer { cond.unlock() }
        let usage = pool.usage
        let b = KVBlockPool.blockSize, blockBytes = pool.blockElements * MemoryLayout<UInt16>.stride
        return SchedulerStats(queued: queue.count, active: active.count, slots: configuration.parallel,
                              kvUsedTokens: usage.inUse * b, kvCapacityTokens: usage.total * b,
                              kvUsedBytes: usage.inUse * blockBytes, kvCapacityBytes: usage.total * blockBytes, steps: steps,
                              accepting: state == .running, prefixQueryTokens: prefixQueryTokens, prefixHitTokens: prefixHitTokens,
                              kvCachedTokens: usage.cached * b,
                              proposedTokens: proposedTokens, acceptedTokens: acceptedTokens,
                              kvBlocks: usage, preemptions: preemptions)
    }

    /// Stops admitting: queued requests fail with `shuttingDown`, running ones may finish for up to `grace`,
    /// then they are ended with `shuttingDown` too. Returns when the scheduler thread has stopped.
    public func shutdown(grace: Duration) async {
        for r in beginDraining() { r.sink(.failed(.shuttingDown)) }
        let deadline = clock.now + grace
        var ended = false
        while !isStopped {
            if !ended && clock.now >= deadline {
                for id in activeIDs { cancel(id, reason: .shuttingDown) }
                ended = true  // nothing is admitted while draining, so the active set only shrinks
            }
            try? await Task.sleep(for: .milliseconds(10))
        }
    }

    /// Refuses new requests and takes the queued ones out.
    private func beginDraining() -> [Request] {
        cond.lock()
        defer { cond.unlock() }
        if state == .running { state = .draining }
        let ended = queue
        queue.removeAll()
        cond.broadcast()
        return ended
    }

    private var activeIDs: [UInt64] {
        cond.lock()
        defer { cond.unlock() }
        return active.map(\.id)
    }

    private var isStopped: Bool {
        cond.lock()
        defer { cond.unlock() }
        return state == .stopped
    }

    // MARK: - The scheduler thread

    private struct Planned {
        let request: Request
        var tokens: [Int32]
        let needsLogits: Bool
        /// Proposals after the token fed (decode steps): tokens[1...].
        var proposals = 0
        /// Rows set aside for the draft model's proposals, asked for outside the lock before the pass.
        var draftRoom = 0
        var drafted = false
    }

    private func loop() {
        var outbox: [(Request, SequenceEvent)] = []
        while true {
            cond.lock()
            retire(into: &outbox)
            admit()
            if active.isEmpty {
                if state != .running && queue.isEmpty {
                    state = .stopped
                    cond.broadcast()
                    cond.unlock()
                    deliver(&outbox)
                    return
                }
                if outbox.isEmpty { cond.wait() }
                cond.unlock()
                deliver(&outbox)
                continue
            }
            var plan = reserveBlocks(makePlan(), into: &outbox)
            guard !plan.isEmpty else {
                cond.unlock()
                deliver(&outbox)
                continue
            }
            steps += 1
            cond.unlock()
            deliver(&outbox)
            draftProposals(&plan)

            let entries = plan.map {
                Transformer.BatchEntry(tokens: $0.tokens, cache: $0.request.cache!, needsLogits: $0.needsLogits, logitRows: 1 + $0.proposals)
            }
            var failure: SchedulerError?
            do {
                try engine.model.forward(batch: entries, logits: logits.baseAddress!)
            } catch {
                failure = .model(error.description)
            }

            cond.lock()
            let vocab = engine.model.config.vocabSize
            var offset = 0  // the entry's first logits row
            for p in plan {
                let r = p.request
                defer { offset += p.needsLogits ? 1 + p.proposals : 1 }
                if let failure {
                    finish(r, .failed(failure), into: &outbox)
                    continue
                }
                r.fed += r.prefilling ? p.tokens.count : 0
                if p.drafted { proposedTokens += p.proposals }
                guard p.needsLogits else { continue }
                // Row i follows the token fed and i proposals: each is chosen as plain decoding would choose it,
                // and a proposal stands while it equals that choice; the cache drops the positions after the
                // first that differs (Engine.generate's rule).
                for i in 0...p.proposals {
                    let row = UnsafeMutableBufferPointer(rebasing: logits[((offset + i) * vocab)..<((offset + i + 1) * vocab)])
                    let (token, text) = r.sequence.accept(logits: row)
                    if token != nil { outbox.append((r, .token(text: text, logprob: r.sequence.lastLogprob))) }
                    let held = token != nil && i < p.proposals && token == p.tokens[1 + i]
                    if held { acceptedTokens += 1 }
                    if held && r.sequence.finish == nil { continue }
                    if p.proposals > 0, let cache = r.cache {
                        cache.truncate(to: cache.count - p.proposals + i)
                        r.lookahead = LookupProposer.nextCount(current: r.lookahead, proposed: p.proposals, held: i,
                                                               limit: p.drafted ? configuration.draftTokens : configuration.lookupTokens)
                    }
                    r.next = token
                    if let reason = r.sequence.finish {
                        if token == nil && !text.isEmpty { outbox.append((r, .text(text))) }
                        finish(r, .finished(summary(r, reason)), into: &outbox)
                    }
                    break
                }
            }
            cond.unlock()
            deliver(&outbox)
        }
    }

    /// Drops cancelled and timed-out requests from the queue and the running set.
    private func retire(into outbox: inout [(Request, SequenceEvent)]) {
        cancelLock.lock()
        let gone = cancelled
        cancelled.removeAll()
        cancelLock.unlock()
        if !gone.isEmpty {
            queue.removeAll { r in
                guard let why = gone[r.id] else { return false }
                outbox.append((r, .failed(why)))
                return true
            }
            for r in active { if let why = gone[r.id] { finish(r, .failed(why), into: &outbox) } }
        }
        if let limit = configuration.requestTimeout {
            let now = clock.now
            for r in active where now - r.submitted > limit {
                finish(r, .failed(.timedOut(seconds: limit.seconds)), into: &outbox)
            }
            queue.removeAll { r in
                guard now - r.submitted > limit else { return false }
                outbox.append((r, .failed(.timedOut(seconds: limit.seconds))))
                return true
            }
        }
    }

    /// Moves queued requests into the running set, oldest first, while fewer than `parallel` run and the pool
    /// has blocks for the prompt (a request that would run alone is always admitted: the pool holds at least one
    /// context). With the prefix cache, each starts from the longest cached run of full blocks of its input (at
    /// least one token is left to run when its logits are needed), and a request whose prompt shares more whole
    /// blocks with a sequence still prefilling them than the cache holds yet waits for them to be published
    /// instead of computing them again (sixteen clients with one system prompt prefill it once); requests behind
    /// it may go first meanwhile.
    private func admit() {
        var i = 0
        while i < queue.count, active.count < configuration.parallel {
            let r = queue[i]
            let cache = KVCache(pool: pool, capacity: configuration.contextSize)
            let reusable = r.next == nil ? r.input.count - 1 : r.input.count
            let reused = configuration.prefixCache ? cache.adoptPrefix(of: r.input, limit: reusable) : 0
            if configuration.prefixCache && awaitsSharedPrefill(r.input, limit: reusable, cachedBlocks: cache.blocks.count) {
                i += 1
                continue
            }
            let need = KVBlockPool.blocks(forPositions: r.input.count + 1) - cache.blocks.count
            if !active.isEmpty && need > pool.available { break }  // waits for blocks (the adopted ones go back)
            queue.remove(at: i)
            r.cache = cache
            r.fed = reused
            if r.admitted == nil {
                r.admitted = clock.now
                r.cached = reused
                prefixQueryTokens += r.prompt.count
                prefixHitTokens += reused
            }
            admissions += 1
            r.order = admissions
            r.lookahead = r.speculative ? max(1, speculativeTokens) : 0
            if r.speculative, r.draft == nil, let d = configuration.draft {
                r.draft = DraftSession(d, capacity: configuration.contextSize, sampling: SamplingParameters(temperature: 0),
                                       targetVocab: engine.model.config.vocabSize)
            }
            active.append(r)
        }
    }

    /// Whether a running sequence is still prefilling whole blocks of `input` (within `limit` positions) beyond
    /// the `cachedBlocks` the cache already has: they will be published within a few steps.
    private func awaitsSharedPrefill(_ input: [Int32], limit: Int, cachedBlocks: Int) -> Bool {
        active.contains { a in
            guard a.prefilling else { return false }
            let shared = Self.sharedPrefix(a.input, input, limit: limit) >> KVBlockPool.blockShift
            return shared > cachedBlocks && a.fed < shared << KVBlockPool.blockShift
        }
    }

    /// Reserves each planned row's KV blocks, in plan order (decodes first). When the pool runs out, the sequence
    /// admitted last is preempted (it may be the one asking); lookup proposals are dropped before anyone is.
    private func reserveBlocks(_ planned: [Planned], into outbox: inout [(Request, SequenceEvent)]) -> [Planned] {
        var plan = planned
        var k = 0
        while k < plan.count {
            let p = plan[k]
            guard let cache = p.request.cache else { plan.remove(at: k); continue }
            if cache.reserve(upTo: cache.count + p.tokens.count + p.draftRoom) { k += 1; continue }
            if p.draftRoom > 0 {
                plan[k].draftRoom = 0
                continue
            }
            if p.proposals > 0 {
                proposedTokens -= p.proposals
                plan[k] = Planned(request: p.request, tokens: [p.tokens[0]], needsLogits: true)
                continue
            }
            if active.count == 1 {
                let error = ModelError.kvPoolExhausted(positions: cache.count + p.tokens.count, blocks: pool.blockCount)
                finish(p.request, .failed(.model(error.description)), into: &outbox)
                plan.remove(at: k)
                continue
            }
            let victim = active.max { $0.order < $1.order }!
            preempt(victim)
            if let i = plan.firstIndex(where: { $0.request === victim }) {
                plan.remove(at: i)
                if i < k { k -= 1 }
            }
        }
        return plan
    }

    /// Takes a running sequence out: its cache's full blocks are published (kept for its return unless evicted)
    /// and its blocks and draft cache released; it goes to the head of the queue with the tokens it had in its
    /// cache as input.
    private func preempt(_ r: Request) {
        guard let cache = r.cache, let i = active.firstIndex(where: { $0 === r }) else { return }
        if !r.prefilling { r.input = Array((r.prompt + r.sequence.generated).prefix(cache.count)) }
        cache.publish()
        r.cache = nil
        r.draft = nil  // draft caches are for running sequences only (the memory check counts `parallel` of them)
        r.fed = 0
        r.preemptions += 1
        preemptions += 1
        active.remove(at: i)
        queue.insert(r, at: 0)
    }

    /// Length of the common prefix of `a` and `b`, at most `limit`.
    static func sharedPrefix(_ a: [Int32], _ b: [Int32], limit: Int) -> Int {
        var n = 0
        let end = min(limit, a.count, b.count)
        while n < end && a[n] == b[n] { n += 1 }
        return n
    }

    /// This step's rows: one token for every decoding sequence (with its lookup proposals, while rows last),
    /// then prompt chunks in the rows left.
    private func makePlan() -> [Planned] {
        var plan: [Planned] = []
        for r in active where !r.prefilling {
            if let t = r.next { plan.append(Planned(request: r, tokens: [t], needsLogits: true)) }
        }
        let anyDecoding = !plan.isEmpty
        if speculativeTokens > 0 {
            // Proposals take rows of the step (weights are read once for all of them) and of `logits`.
            // One row stays reserved for every active sequence (prompt chunks below take one each). Lookup is
            // tried first; a sequence with a draft model and no lookup proposal gets rows for the draft's.
            var spare = min(engine.model.maxBatch, logitRows) - active.count
            for k in plan.indices where spare > 0 {
                let r = plan[k].request
                guard let cache = r.cache else { continue }
                let room = min(r.lookahead, spare, cache.capacity - cache.count - 1, r.sequence.maxNew - r.sequence.generated.count)
                guard room > 0 else { continue }
                if configuration.lookupTokens > 0 {
                    // The sequence so far: the prompt, then every generated token (the last is the one to feed).
                    let proposals = lookup.propose(r.prompt + r.sequence.generated, count: min(room, configuration.lookupTokens))
                    if !proposals.isEmpty {
                        plan[k] = Planned(request: r, tokens: plan[k].tokens + proposals, needsLogits: true, proposals: proposals.count)
                        proposedTokens += proposals.count
                        spare -= proposals.count
                        continue
                    }
                }
                if r.draft != nil {
                    plan[k].draftRoom = min(room, configuration.draftTokens)
                    spare -= plan[k].draftRoom
                }
            }
        }
        var budget = engine.model.maxBatch - plan.reduce(0) { $0 + $1.tokens.count }
        for r in active where r.prefilling && budget > 0 {
            let n = min(r.input.count - r.fed, anyDecoding ? configuration.prefillChunk : budget)
            let end = r.fed + n
            plan.append(Planned(request: r, tokens: Array(r.input[r.fed..<end]), needsLogits: end == r.input.count && r.next == nil))
            budget -= n
        }
        return plan
    }

    /// The draft model's proposals for the rows set aside for them (on the scheduler thread, outside the lock: the
    /// draft runs on the target's thread pool, before the target's pass), the draft's passes batched across the
    /// sequences. Each is the draft's greedy run after the sequence so far, stopped where it is unsure; the target
    /// keeps a proposal only where it chooses the same token (as for lookup), so sampled requests stay exact too.
    private func draftProposals(_ plan: inout [Planned]) {
        let asked = plan.indices.filter { plan[$0].draftRoom > 0 && plan[$0].request.draft != nil }
        guard !asked.isEmpty else { return }
        let items = asked.map { k in
            (session: plan[k].request.draft!, history: plan[k].request.prompt + plan[k].request.sequence.generated, count: plan[k].draftRoom)
        }
        // A draft that fails proposes nothing this step (the target decodes as it would without it).
        let proposals = (try? DraftSession.proposeTogether(items)) ?? []
        for (k, p) in zip(asked, proposals) where !p.isEmpty {
            plan[k].tokens += p
            plan[k].proposals = p.count
            plan[k].drafted = true
        }
    }

    /// Ends a request and releases its blocks (full ones stay cached for later requests with the prefix cache:
    /// the forward pass published them) and its draft cache.
    private func finish(_ r: Request, _ event: SequenceEvent, into outbox: inout [(Request, SequenceEvent)]) {
        guard let i = active.firstIndex(where: { $0 === r }) else { return }
        active.remove(at: i)
        r.cache = nil
        r.draft = nil
        outbox.append((r, event))
    }

    private func summary(_ r: Request, _ reason: FinishReason) -> SequenceSummary {
        SequenceSummary(text: r.sequence.text, promptTokens: r.prompt.count, completionTokens: r.sequence.generated.count,
                        finishReason: reason, queuedSeconds: ((r.admitted ?? r.submitted) - r.submitted).seconds,
                        logprobs: r.sequence.logprobHistory, stopSequence: r.sequence.stopSequence, cachedTokens: r.cached)
    }

    private func deliver(_ outbox: inout [(Request, SequenceEvent)]) {
        for (r, e) in outbox { r.sink(e) }
        outbox.removeAll(keepingCapacity: true)
    }
}
