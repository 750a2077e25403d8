import Foundation
import Testing
import RooflinePlanner

/// Scenario arithmetic on the toy chip (1 GB/s, 1 TFLOPS BF16) and the tiny model, worked by hand:
/// per token the tiny model has 2720 bytes of BF16 weights (read once per step), 448 bytes of activations,
/// 64 bytes of KV cache and 64 attention FLOPs per cached token; both fractions 0.5, 1 µs per layer (2 layers).
struct WorkloadTests {
    static let e = Efficiency(compute: 0.5, memory: 0.5, usableMemory: 1, collectiveLatencyS: 1e-6, layerOverheadS: 1e-6)
    static func request(_ w: Workload, batch: PlanRequest.Batch = .max, speculation: Speculation? = nil) -> PlanRequest {
        PlanRequest(model: CountTests.tiny, precisions: Precisions(weights: .bf16), batch: batch,
                    efficiency: EfficiencyTable(byClass: [.gpu: e]), workload: w, speculation: speculation)
    }
    static func plan(_ r: PlanRequest, chip: Chip = PlannerTests.toyChip()) throws -> PlanResult {
        try #require(try Planner().plan(r, on: [chip]).first)
    }

    @Test func singleUserDecodesWithoutPrefillShareAndPrefillsFirst() throws {
        let res = try Self.plan(Self.request(Workload(prompt: 4, output: 6, scenario: .single)))
        // Decode at mean context 4 + 6/2 = 7: matmuls (2720 + 448) B / 0.5 GB/s = 6.336 µs; KV (7 + 1)·64 B = 1.024 µs;
        // 2 layers × 1 µs. Compute (2720 + 448 FLOPs at 0.5 TFLOPS) is under 10 ns, hidden behind memory.
        #expect(abs((res.tpotS ?? 0) - 9.36e-6) < 1e-12)
        #expect(res.batch == 1 && res.scenario == .single)
        #expect(abs((res.requestsPerS ?? 0) - 1 / 9.36e-6 / 6) < 1e-3)
        // TTFT: the 4-token prefill, (2720 + 4·448) B = 9.024 µs, its 256 KV bytes 0.512 µs, 2 µs of layers.
        #expect(abs((res.ttftS ?? 0) - 11.536e-6) < 1e-12)
    }

    @Test func aFixedCostPerStepIsPaidOnceWhateverTheLayers() throws {
        // The single-user case above with 5 µs per step on top of the 1 µs per layer: TPOT 9.36 + 5 µs, TTFT 11.536 + 5 µs.
        var chip = PlannerTests.toyChip()
        chip.stepOverheadS = 5e-6
        let res = try Self.plan(Self.request(Workload(prompt: 4, output: 6, scenario: .single)), chip: chip)
        #expect(abs((res.tpotS ?? 0) - 14.36e-6) < 1e-12 && abs((res.ttftS ?? 0) - 16.536e-6) < 1e-12)
        #expect(abs((res.decodeTime?.overheadS ?? 0) - 7e-6) < 1e-12)
        // The catalogue column carries it, in microseconds.
        let cat = try Catalogue(csv: try CatalogueTests.editing("aws-trainium2", "step_overhead_us", to: "250"))
        #expect(try cat.chip("aws-trainium2").stepOverheadS == 250e-6)
    }

    @Test func offlineSharesEachStepWithPrefillAndTakesTheBestBatch() throws {
        // Prompt 4, output 2: each step prefills batch·4/2 prompt tokens. Batch 3 (the engine's cap): 9 tokens, mean
        // context 5; matmuls (2720 + 9·448) B = 13.504 µs, KV (3·6 + 6)·64 B = 3.072 µs, 2 µs → 18.576 µs per step.
        let res = try Self.plan(Self.request(Workload(prompt: 4, output: 2, scenario: .offline), batch: .fixed(3)))
        #expect(res.batch == 3)
        #expect(abs((res.aggregateTokensPerS ?? 0) - 3 / 18.576e-6) < 1e-3)
        #expect(abs((res.requestsPerS ?? 0) - 3 / 18.576e-6 / 2) < 1e-3)
        #expect(res.decodeTime?.tokens == 9)
    }

    @Test func aTPOTLimitTakesTheLargestBatchWithinIt() throws {
        // Without random arrivals (offline with a limit) the p99 TPOT is the mean: batch 2 steps in (2720 + 6·448) B =
        // 10.816 + (2·6 + 4)·64 B = 2.048 + 2 = 14.864 µs; batch 3 in 18.576 µs, over a 15 µs limit.
        let w = Workload(prompt: 4, output: 2, scenario: .offline, ttftLimitS: 1, tpotLimitS: 15e-6)
        let res = try Self.plan(Self.request(w, batch: .fixed(3)))
        #expect(res.batch == 2 && res.meetsTarget == true)
        #expect(abs((res.tpotS ?? 0) - 14.864e-6) < 1e-12 && res.tpotP99S == res.tpotS)
        // A limit no batch meets is said, not hidden.
        let tight = try Self.plan(Self.request(Workload(prompt: 4, output: 2, scenario: .server, tpotLimitS: 1e-6)))
        #expect(tight.meetsTarget == false && tight.notes.contains { $0.contains("misses the limits") })
    }

    @Test func p99ArrivalsArePoissonQuantiles() {
        // Mean 1: P(≤3) = 0.9810, P(≤4) = 0.9963. Mean 0.1: P(0) = 0.9048, P(≤1) = 0.9953. Mean 10: P(≤17) = 0.9857,
        // P(≤18) = 0.9928. Above a mean of 500, mean + 2.326·√mean.
        #expect(Workload.p99Arrivals(mean: 1) == 4)
        #expect(Workload.p99Arrivals(mean: 0.1) == 1)
        #expect(Workload.p99Arrivals(mean: 0) == 1)
        #expect(Workload.p99Arrivals(mean: 10) == 18)
        #expect(Workload.p99Arrivals(mean: 10_000) == 10_233)
    }

    @Test func serverTTFTWaitsForTheP99ArrivalsOfAStep() throws {
        // Batch 2, prompt 4, output 2: one request arrives per step on average, so the p99 step carries 4 prompts (16
        // tokens) beside the 2 decodes: matmuls (2720 + 18·448) B = 21.568 µs, KV (2·6 + 16)·64 B = 3.584 µs, 2 µs of
        // layers: 27.152 µs, after the step under way (14.864 µs). Offline keeps one prompt: 14.864 µs twice.
        let limits = Workload(prompt: 4, output: 2, scenario: .server, ttftLimitS: 1, tpotLimitS: 25e-6)
        let server = try Self.plan(Self.request(limits, batch: .fixed(3)))
        #expect(server.batch == 2 && abs((server.ttftS ?? 0) - 42.016e-6) < 1e-12)
        #expect(server.ttftPrompts == 4 && abs((server.ttftWaitS ?? 0) - 14.864e-6) < 1e-12)
        #expect(PlanExplain.text([server], request: Self.request(limits, batch: .fixed(3)))
            .contains("14.9 µs for the step under way, then 27.2 µs for a step prefilling 4 prompt(s) of 4 tokens (the p99 of a step's random arrivals)"))
        let offline = try Self.plan(Self.request(Workload(prompt: 4, output: 2, scenario: .offline), batch: .fixed(2)))
        #expect(offline.batch == 2 && abs((offline.ttftS ?? 0) - 2 * 14.864e-6) < 1e-12)
        // A TTFT limit between the two binds only under load: the server then runs a smaller batch.
        let tight = try Self.plan(Self.request(Workload(prompt: 4, output: 2, scenario: .server, ttftLimitS: 35e-6, tpotLimitS: 25e-6), batch: .fixed(3)))
        #expect(tight.batch == 1 && tight.meetsTarget == true)
    }

    @Test func serverTPOTIsCheckedAtTheP99OfTheArrivalsOverARequest() throws {
        // Prompt 4, output 2: a request decodes 2 steps, over which the prompts of `batch` requests arrive on average.
        // Batch 1: p99 of Poisson(1) is 4, so the slow request's steps carry 4·4/2 = 8 prompt tokens each, against 2 on
        // average: matmuls (2720 + 9·448) B = 13.504 µs, KV (6 + 8)·64 B = 1.792 µs, 2 µs: 17.296 µs (mean 11.152 µs).
        // Batch 2: p99 of Poisson(2) is 6, 12 prompt tokens a step: (2720 + 14·448) B = 17.984 µs, (2·6 + 12)·64 B =
        // 3.072 µs, 2 µs: 23.056 µs (mean 14.864 µs). A 20 µs limit holds the server to batch 1, where the mean would
        // have allowed batch 3 (18.576 µs), as it does offline, where nothing arrives at random.
        let server = try Self.plan(Self.request(Workload(prompt: 4, output: 2, scenario: .server, ttftLimitS: 1, tpotLimitS: 20e-6), batch: .fixed(3)))
        #expect(server.batch == 1 && server.meetsTarget == true)
        #expect(abs((server.tpotS ?? 0) - 11.152e-6) < 1e-12 && abs((server.tpotP99S ?? 0) - 17.296e-6) < 1e-12)
        let loaded = try Self.plan(Self.request(Workload(prompt: 4, output: 2, scenario: .server, ttftLimitS: 1, tpotLimitS: 25e-6), batch: .fixed(3)))
        #expect(loaded.batch == 2 && abs((loaded.tpotP99S ?? 0) - 23.056e-6) < 1e-12)
        let offline = try Self.plan(Self.request(Workload(prompt: 4, output: 2, scenario: .offline, ttftLimitS: 1, tpotLimitS: 20e-6), batch: .fixed(3)))
        #expect(offline.batch == 3 && offline.tpotP99S == offline.tpotS)
        let text = { (r: PlanResult, s: Scenario) in PlanExplain.text([r], request: Self.request(Workload(prompt: 4, output: 2, scenario: s))) }
        #expect(text(server, .server).contains("p99 0.02 ms") && !text(offline, .offline).contains("p99"))
    }

    @Test func mlperfLimitsAreTheDefaults() {
        #expect(Workload(prompt: 1, output: 1, scenario: .server).tpotLimitS == 0.2)
        #expect(Workload(prompt: 1, output: 1, scenario: .server).ttftLimitS == 2)
        #expect(Workload(prompt: 1, output: 1, scenario: .interactive).tpotLimitS == 0.04)
        #expect(Workload(prompt: 1, output: 1, scenario: .interactive).ttftLimitS == 0.45)
        #expect(Workload(prompt: 1, output: 1, scenario: .offline).tpotLimitS == nil)
    }

    @Test func kvReservationSetsTheBatchTheMemoryHolds() throws {
        // 10,000 bytes usable less 2720 of weights = 7280 bytes of KV: 6 tokens reserved (384 B) → 18 requests;
        // 5 tokens, the mean held (320 B) → 22.
        let small = PlannerTests.toyChip(memoryGB: 1e-5)
        let full = try Self.plan(Self.request(Workload(prompt: 4, output: 2, scenario: .offline)), chip: small)
        let current = try Self.plan(Self.request(Workload(prompt: 4, output: 2, scenario: .offline, kvReservation: .current)), chip: small)
        #expect(full.maxBatch == 18 && current.maxBatch == 22)
        #expect(full.batch <= 18 && current.batch <= 22)
    }

    @Test func speculationEmitsTheExpectedTokensPerVerification() throws {
        #expect(abs(Speculation(draftTokens: 4, acceptance: 0.5).tokensPerStep - 1.9375) < 1e-12)
        #expect(Speculation(draftTokens: 4, acceptance: 1).tokensPerStep == 5)
        #expect(Speculation(draftTokens: 4, acceptance: 0).tokensPerStep == 1)
        // 2 draft tokens at 0.5: 1.75 tokens per step. Verify 3 tokens at context 7: (2720 + 3·448) B = 8.128 µs,
        // KV (7 + 3)·64 B = 1.28 µs, 2 µs; the one-layer draft head (1440 B of weights, 224 B of activations,
        // 256 B of KV, 1 µs) twice: 2 × 4.84 µs. (11.408 + 9.68) / 1.75 µs per output token.
        let s = Speculation(draftTokens: 2, acceptance: 0.5)
        let res = try Self.plan(Self.request(Workload(prompt: 4, output: 6, scenario: .single), speculation: s))
        #expect(abs((res.tpotS ?? 0) - 21.088e-6 / 1.75) < 1e-12)
        #expect(abs(res.draftS - 9.68e-6) < 1e-12)
    }

    @Test func computeFractionGrowsWithTokensAndNarrowFormatsKeepLess() {
        let e = Efficiency(compute: 0.8, memory: 1, usableMemory: 1, collectiveLatencyS: 0, computeHalfTokens: 48, narrowFormatScale: 0.5)
        #expect(abs(e.computeFraction(tokens: 48) - 0.4) < 1e-12)
        #expect(abs(e.computeFraction(tokens: 48, format: .fp8) - 0.2) < 1e-12)
        #expect(e.computeFraction(tokens: 4800) > 0.79)
    }

    @Test func refusalsNameTheirReason() throws {
        #expect(throws: PlannerError.invalidWorkload("output must be at least 1 token (got 0)")) {
            try Planner().plan(Self.request(Workload(prompt: 4, output: 0, scenario: .offline)), on: [])
        }
        #expect(throws: PlannerError.invalidWorkload("speculative decoding is projected within a scenario (--scenario)")) {
            try Planner().plan(PlanRequest(model: CountTests.tiny, precisions: Precisions(weights: .bf16),
                                           speculation: Speculation(draftTokens: 2, acceptance: 0.5)), on: [])
        }
        #expect(throws: PlannerError.invalidWorkload("prompt and output must be at most 100000000 tokens")) {
            try Planner().plan(Self.request(Workload(prompt: Int.max, output: Int.max, scenario: .offline)), on: [])
        }
        #expect(throws: PlannerError.self) {
            try Planner().plan(Self.request(Workload(prompt: 4, output: 2, scenario: .single), speculation: Speculation(draftTokens: 0, acceptance: 2)), on: [])
        }
        #expect(throws: PlannerError.self) { try Speculation.parse("4") }
        #expect(throws: PlannerError.self) { try Speculation.parse("4:1.5") }
        #expect(throws: PlannerError.self) { try Scenario.parse("batchy") }
        // No room for one request's KV cache on a chip that barely holds the weights.
        var one = Self.request(Workload(prompt: 4, output: 2, scenario: .offline))
        one.chips = 1
        let cramped = try Self.plan(one, chip: PlannerTests.toyChip(memoryGB: 2.8e-6))
        #expect(!cramped.fits && cramped.bound == .capacity && !cramped.notes.isEmpty)
    }

    @Test func explainNamesEveryTermOfTheStep() throws {
        let r = Self.request(Workload(prompt: 4, output: 6, scenario: .single))
        let text = PlanExplain.text([try Self.plan(r)], request: r)
        for term in ["matmuls", "attention", "interconnect", "fixed per-layer", "9.4 µs per step", "time per output token"] {
            #expect(text.contains(term), "missing \(term)")
        }
    }

    @Test func explainSaysWhenDecodeAttentionReadsTheCachePerQueryHead() throws {
        let m = try #require(ModelDescription.preset("llama-3.1-8b"))  // 32 query heads on 8 KV heads
        let h100 = try Catalogue.builtIn().chip("nvidia-h100-sxm")
        let plain = PlanRequest(model: m, precisions: Precisions(weights: .fp8, kvCache: .fp8), batch: .fixed(64), context: 2048)
        let shared = try #require(try Planner().plan(plain, on: [h100]).first)
        var r = plain
        r.efficiency.kvReadsPerQueryHead = true
        let perHead = try #require(try Planner().plan(r, on: [h100]).first)
        #expect(PlanExplain.text([perHead], request: r).contains("read once per query head: 4×"))
        #expect(!PlanExplain.text([shared], request: plain).contains("once per query head"))
        // Four times the cache reads make the step slower, by more than a third at this batch and context.
        #expect((perHead.decodeTime?.totalS ?? 0) > 1.33 * (shared.decodeTime?.totalS ?? .infinity))
    }
}
