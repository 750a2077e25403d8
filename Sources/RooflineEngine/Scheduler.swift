import Foundation
import RooflineModel
import RooflineSampling

/// Continuous batching: one thread runs a batched forward pass over every active sequence per step (each weight
/// read once for all of them), admits queued requests into free KV-cache slots between steps, and feeds new
/// prompts in chunks beside the running decodes so they do not stall them. Sequences finish independently.
/// Events go to each request's sink from the scheduler thread, never while a lock is held.
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
        var slot = -1
        var fed = 0          // prompt tokens already in the cache
        var cached = 0       // of those, the ones found in the slot (prefix cache)
        var next: Int32?     // the token to feed in the next decode step
        var lookahead = 1    // lookup proposals to ask for next step (adapted as in Engine.generate; 0: none)
        var speculative = true  // false: the request opted out of server-wide speculation
        init(id: UInt64, prompt: [Int32], sequence: SequenceGenerator, sink: @escaping @Sendable (SequenceEvent) -> Void, submitted: ContinuousClock.Instant) {
            self.id = id
            self.prompt = prompt
            self.sequence = sequence
            self.sink = sink
            self.submitted = submitted
        }
        var prefilling: Bool { fed < prompt.count }
    }

    private enum State { case running, draining, stopped }

    private let cond = NSCondition()       // guards everything below it
    private var queue: [Request] = []
    private var active: [Request] = []
    private var freeSlots: [Int]
    private var state = State.running
    private var nextID: UInt64 = 1
    private var steps = 0
    private let cancelLock = NSLock()      // guards `cancelled` (taken from any thread, never with `cond`)
    private var cancelled: [UInt64: SchedulerError] = [:]

    private let caches: [KVCache]
    /// The tokens whose keys and values each slot holds (positions 0..<count), for prefix reuse.
    private var slotTokens: [[Int32]]
    /// When each slot was last released, for choosing which cached prefix to overwrite.
    private var slotReleased: [UInt64]
    private var releases: UInt64 = 0
    private var prefixQueryTokens = 0, prefixHitTokens = 0
    private var proposedTokens = 0, acceptedTokens = 0
    private let lookup = LookupProposer()
    /// Rows of `logits`: one per slot, and room for the lookup proposals of a step.
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
        self.configuration = cfg
        do {
            let bytes = KVCache.bytes(config: engine.model.config, capacity: cfg.contextSize).multipliedReportingOverflow(by: cfg.parallel)
            try Engine.checkMemory(kvBytes: bytes.overflow ? -1 : bytes.partialValue, what: "\(cfg.parallel) slots of \(cfg.contextSize) tokens")
        } catch {
            throw .model(error.description)
        }
        caches = (0..<cfg.parallel).map { _ in engine.model.makeCache(capacity: cfg.contextSize) }
        slotTokens = Array(repeating: [], count: cfg.parallel)
        slotReleased = Array(repeating: 0, count: cfg.parallel)
        freeSlots = Array((0..<cfg.parallel).reversed())
        logitRows = cfg.lookupTokens > 0 ? max(cfg.parallel, min(engine.model.maxBatch, cfg.parallel * (cfg.lookupTokens + 1))) : cfg.parallel
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
        guard queue.count - freeSlots.count < configuration.maxQueue else { throw .queueFull(limit: configuration.maxQueue) }
        let id = nextID
        nextID += 1
        let request = Request(id: id, prompt: prompt, sequence: sequence, sink: sink, submitted: clock.now)
        request.speculative = options.speculative
        queue.append(request)
        cond.signal()
        return id
    }

    /// Ends a request (a client went away): it leaves the queue, or frees its slot and KV memory before the
    /// next step. Its sink gets `failed(.cancelled)`. Unknown or finished ids are ignored.
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
        let used = active.reduce(0) { $0 + caches[$1.slot].count }
        let perToken = caches.first.map { $0.byteCount / $0.capacity } ?? 0
        return SchedulerStats(queued: queue.count, active: active.count, slots: configuration.parallel,
                              kvUsedTokens: used, kvCapacityTokens: configuration.parallel * configuration.contextSize,
                              kvUsedBytes: used * perToken, kvCapacityBytes: caches.reduce(0) { $0 + $1.byteCount }, steps: steps,
                              accepting: state == .running, prefixQueryTokens: prefixQueryTokens, prefixHitTokens: prefixHitTokens,
                              kvCachedTokens: freeSlots.reduce(0) { $0 + caches[$1].count },
                              proposedTokens: proposedTokens, acceptedTokens: acceptedTokens)
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
        let tokens: [Int32]
        let needsLogits: Bool
        /// Lookup proposals after the token fed (decode steps): tokens[1...].
        var proposals = 0
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
            let plan = makePlan()
            steps += 1
            cond.unlock()
            deliver(&outbox)

            let entries = plan.map {
                LlamaModel.BatchEntry(tokens: $0.tokens, cache: caches[$0.request.slot], needsLogits: $0.needsLogits, logitRows: 1 + $0.proposals)
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
                    if p.proposals > 0 {
                        caches[r.slot].truncate(to: caches[r.slot].count - p.proposals + i)
                        r.lookahead = LookupProposer.nextCount(current: r.lookahead, proposed: p.proposals, held: i, limit: configuration.lookupTokens)
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

    /// Drops cancelled and timed-out requests from the queue and the slots.
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

    /// Moves queued requests into free slots, oldest first. With the prefix cache, each goes to the free slot
    /// holding the longest prefix of its prompt (at least one prompt token is left to run, for its logits), else
    /// to the slot released longest ago; the cached positions past the shared prefix are dropped.
    private func admit() {
        while !queue.isEmpty, !freeSlots.isEmpty {
            let r = queue.removeFirst()
            var pick = 0, shared = 0
            if configuration.prefixCache {
                for (i, s) in freeSlots.enumerated() {
                    let n = Self.sharedPrefix(slotTokens[s], r.prompt, limit: min(r.prompt.count - 1, caches[s].count))
                    if n > shared || (n == shared && slotReleased[s] < slotReleased[freeSlots[pick]]) { pick = i; shared = n }
                }
            } else {
                pick = freeSlots.count - 1
            }
            let slot = freeSlots.remove(at: pick)
            r.slot = slot
            r.admitted = clock.now
            if shared > 0 {
                caches[slot].truncate(to: shared)
            } else {
                caches[slot].reset()
            }
            slotTokens[slot] = []
            r.fed = shared
            r.cached = shared
            r.lookahead = r.speculative ? max(1, configuration.lookupTokens) : 0
            prefixQueryTokens += r.prompt.count
            prefixHitTokens += shared
            active.append(r)
        }
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
        if configuration.lookupTokens > 0 {
            // Proposals take rows of the step (weights are read once for all of them) and of `logits`.
            // One row stays reserved for every active sequence (prompt chunks below take one each).
            var spare = min(engine.model.maxBatch, logitRows) - active.count
            for k in plan.indices where spare > 0 {
                let r = plan[k].request
                let cache = caches[r.slot]
                let room = min(r.lookahead, spare, cache.capacity - cache.count - 1, r.sequence.maxNew - r.sequence.generated.count)
                guard room > 0 else { continue }
                // The sequence so far: the prompt, then every generated token (the last is the one to feed).
                let proposals = lookup.propose(r.prompt + r.sequence.generated, count: room)
                guard !proposals.isEmpty else { continue }
                plan[k] = Planned(request: r, tokens: plan[k].tokens + proposals, needsLogits: true, proposals: proposals.count)
                proposedTokens += proposals.count
                spare -= proposals.count
            }
        }
        var budget = engine.model.maxBatch - plan.reduce(0) { $0 + $1.tokens.count }
        for r in active where r.prefilling && budget > 0 {
            let n = min(r.prompt.count - r.fed, anyDecoding ? configuration.prefillChunk : budget)
            let end = r.fed + n
            plan.append(Planned(request: r, tokens: Array(r.prompt[r.fed..<end]), needsLogits: end == r.prompt.count))
            budget -= n
        }
        return plan
    }

    /// Ends a request and frees its slot. With the prefix cache, a slot that finished cleanly keeps its keys and
    /// values (the prompt and the generated tokens fed) for a later request; otherwise its KV memory goes back to
    /// the system.
    private func finish(_ r: Request, _ event: SequenceEvent, into outbox: inout [(Request, SequenceEvent)]) {
        guard let i = active.firstIndex(where: { $0 === r }) else { return }
        active.remove(at: i)
        let clean: Bool
        if case .failed(let why) = event { clean = why == .cancelled || why == .shuttingDown } else { clean = true }
        if configuration.prefixCache && clean {
            let held = caches[r.slot].count
            slotTokens[r.slot] = Array((r.prompt + r.sequence.generated).prefix(held))
        } else {
            caches[r.slot].reset()
            slotTokens[r.slot] = []
        }
        releases += 1
        slotReleased[r.slot] = releases
        freeSlots.append(r.slot)
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
