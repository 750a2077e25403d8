import Foundation
import Testing
import RooflineGGUF
import RooflinePlanner

struct PlannerTests {
    /// A made-up chip with round numbers: 1 GB/s, 1 TFLOPS BF16, 2 GB/s link, 10 W, $3.6/h.
    static func toyChip(memoryGB: Double = 1, link: Double? = 2, unit: Int? = 8, cls: ChipClass = .gpu) -> Chip {
        Chip(id: "toy", vendor: "t", name: "toy", chipClass: cls, announced: false, memoryGB: memoryGB, memoryBandwidthGBs: 1,
             sramMB: nil, sramBandwidthGBs: nil, peakTFLOPS: [.bf16: 1], tdpW: 10, interconnectGBs: link, unitChips: unit,
             priceUSDPerHour: 3.6, priceDate: "2026-01-01", deploymentUnit: "toy")
    }
    static let half = Efficiency(compute: 0.5, memory: 0.5, usableMemory: 1, collectiveLatencyS: 1e-6)

    @Test func rooflineTimeOfADecodeStep() throws {
        let m = CountTests.tiny, p = Precisions(weights: .bf16)
        let dep = Deployment(chips: 1, unitChips: 8, layers: m.layers)
        let t = try #require(dep.time(m.decodeStep(batch: 3, context: 5, precisions: p), on: Self.toyChip(), model: m, precisions: p,
                                      efficiency: Self.half))
        // 5216 bytes at 0.5 GB/s; 9120 FLOPs at 0.5 TFLOPS; one chip, no link time.
        #expect(abs(t.memoryS - 5216 / 0.5e9) < 1e-15)
        #expect(abs((t.computeS ?? 0) - 9120 / 0.5e12) < 1e-18)
        #expect(t.interconnectS == 0)
        #expect(t.bound == .memory)
    }

    /// An engine whose decode attention reads the cache once per query head (TensorRT-LLM's masked MHA before
    /// XQA) streams a grouped-query cache heads/kvHeads times; prefill writes and multi-head models are unchanged.
    @Test func perQueryHeadDecodeAttentionReadsTheCachePerHead() throws {
        let gqa = ModelDescription(name: "gqa", layers: 2, hidden: 8, heads: 4, kvHeads: 1, headDim: 4, ffn: 16, vocab: 10)
        let p = Precisions(weights: .bf16), dep = Deployment(chips: 1, unitChips: 8, layers: 2)
        var perHead = Self.half
        perHead.kvReadsPerQueryHead = true
        // 3 sequences × (5 cached + 1 new) tokens × 2 layers × 2 (K, V) × 1 KV head × 4 × 2 bytes = 576 bytes, read
        // 4 times instead of once: 1,728 more bytes at 0.5 GB/s. The 4 prefill tokens' 128 bytes are written once.
        let step = gqa.mixedStep(decodes: 3, context: 5, prefillTokens: 4, prompt: 8, precisions: p)
        #expect(step.decodeKVBytes == 576 && step.kvBytes == 704)
        let shared = try #require(dep.time(step, on: Self.toyChip(), model: gqa, precisions: p, efficiency: Self.half))
        let each = try #require(dep.time(step, on: Self.toyChip(), model: gqa, precisions: p, efficiency: perHead))
        #expect(abs(each.memoryS - shared.memoryS - 1728 / 0.5e9) < 1e-15)
        #expect(abs(each.attentionS - (704 + 1728) / 0.5e9) < 1e-15)
        // Multi-head attention (one query head per KV head) reads the same bytes either way.
        let mha = CountTests.tiny.decodeStep(batch: 3, context: 5, precisions: p)
        let a = try #require(dep.time(mha, on: Self.toyChip(), model: CountTests.tiny, precisions: p, efficiency: Self.half))
        let b = try #require(dep.time(mha, on: Self.toyChip(), model: CountTests.tiny, precisions: p, efficiency: perHead))
        #expect(a == b)
    }

    @Test func tensorParallelInterconnectTerm() throws {
        let m = CountTests.tiny, p = Precisions(weights: .bf16)
        let dep = Deployment(chips: 2, unitChips: 8, layers: m.layers)
        #expect(dep.tensorParallel == 2 && dep.pipelineStages == 1)
        // 2 layers · 2 all-reduces · (1 µs + 2·(1/2)·16 bytes / 1 GB/s per direction) = 4.064 µs.
        let ic = dep.interconnectTime(tokens: 1, chip: Self.toyChip(), model: m, precisions: p, efficiency: Self.half)
        #expect(abs(ic - 4.064e-6) < 1e-15)
        // Splitting over 2 chips halves the memory time of the same step.
        let one = try #require(Deployment(chips: 1, unitChips: 8, layers: 2).time(m.decodeStep(batch: 1, context: 1, precisions: p),
            on: Self.toyChip(), model: m, precisions: p, efficiency: Self.half))
        let two = try #require(dep.time(m.decodeStep(batch: 1, context: 1, precisions: p), on: Self.toyChip(), model: m,
                                        precisions: p, efficiency: Self.half))
        #expect(abs(two.memoryS * 2 - one.memoryS) < 1e-15)
    }

    @Test(arguments: [(16, 8, 80, 8, 2), (3, 8, 80, 3, 1), (1000, 8, 80, 13, 77), (5, nil, 32, 1, 5), (72, 72, 80, 72, 1)] as [(Int, Int?, Int, Int, Int)])
    func deploymentSplits(chips: Int, unit: Int?, layers: Int, tp: Int, pp: Int) {
        let d = Deployment(chips: chips, unitChips: unit, layers: layers)
        #expect(d.tensorParallel == tp && d.pipelineStages == pp)
        #expect(d.tensorParallel * d.pipelineStages >= chips)
    }

    @Test func capacityPicksFewestChips() throws {
        let cat = try Catalogue.builtIn()
        let m = try #require(ModelDescription.preset("llama-3.1-70b"))
        let r = PlanRequest(model: m, precisions: Precisions(weights: .bf16), context: 4096)
        // 141.1 GB of weights + 1.3 GB of KV over 72 GB usable per H100 (90% of 80) → 2 chips; one H200 (126.9 GB) is too small.
        #expect(Planner().fewestChips(r, chip: try cat.chip("nvidia-h100-sxm"), batch: 1) == 2)
        #expect(Planner().fewestChips(r, chip: try cat.chip("nvidia-h200-sxm"), batch: 1) == 2)
        #expect(Planner().fewestChips(r, chip: try cat.chip("nvidia-b200-hgx"), batch: 1) == 1)
    }

    @Test func sramOnlyLPUNeedsHundredsOfChipsFor70B() throws {
        let cat = try Catalogue.builtIn()
        let groq = try cat.chip("groq-lpu-v1")
        let m = try #require(ModelDescription.preset("llama-3.1-70b"))
        let r = PlanRequest(model: m, precisions: Precisions(weights: .fp8))
        let res = try #require(try Planner().plan(r, on: [groq]).first)
        // 70.6 GB at 8 bits over 0.23 GB × 0.9 per chip → over 340 chips, in several pipeline stages.
        #expect(res.deployment.chips > 340)
        #expect(res.deployment.pipelineStages > 1)
        #expect(res.fits)
        // Forced onto one GroqNode (8 chips) it does not fit.
        var small = r
        small.chips = 8
        let cramped = try #require(try Planner().plan(small, on: [groq]).first)
        #expect(!cramped.fits && cramped.bound == .capacity && cramped.decodeTokensPerSPerUser == nil)
    }

    @Test func batchMaxFillsMemoryAndTargetLimitsBatch() throws {
        let h200 = try Catalogue.builtIn().chip("nvidia-h200-sxm")
        let m = try #require(ModelDescription.preset("llama-3.1-8b"))
        var r = PlanRequest(model: m, precisions: Precisions(weights: .bf16), batch: .max, context: 4096)
        let res = try #require(try Planner().plan(r, on: [h200]).first)
        // (126.9 GB usable − 16.06 GB weights) / (4096 · 131,072 B) = 206 sequences.
        #expect(res.maxBatch == 206 && res.batch == 206 && res.fits)
        #expect(res.memoryNeededGB <= res.memoryAvailableGB)
        r.targetTokensPerS = 100
        let targeted = try #require(try Planner().plan(r, on: [h200]).first)
        #expect(targeted.meetsTarget == true)
        #expect((targeted.decodeTokensPerSPerUser ?? 0) >= 100)
        #expect(targeted.batch < 206)
        // One more sequence would miss the target.
        var next = r
        next.batch = .fixed(targeted.batch + 1)
        next.targetTokensPerS = nil
        let over = try #require(try Planner().plan(next, on: [h200]).first)
        #expect((over.decodeTokensPerSPerUser ?? 1e9) < 100)
    }

    @Test func decodeIsMemoryBoundAndLargeBatchBecomesComputeBound() throws {
        let h100 = try Catalogue.builtIn().chip("nvidia-h100-sxm")
        let m = try #require(ModelDescription.preset("llama-3.1-8b"))
        let one = try #require(try Planner().plan(PlanRequest(model: m, precisions: Precisions(weights: .fp8), context: 128), on: [h100]).first)
        #expect(one.bound == .memory)
        let many = try #require(try Planner().plan(PlanRequest(model: m, precisions: Precisions(weights: .fp8), batch: .fixed(2048),
                                                               context: 128), on: [h100]).first)
        #expect(many.bound == .compute)
        // Energy and cost per token follow from the step time: N · W · s/token and N · $/h · s/token.
        let perToken = 1 / (try #require(one.aggregateTokensPerS))
        #expect(abs((one.joulesPerToken ?? 0) - 700 * perToken) < 1e-9)
        #expect(abs((one.usdPerMillionTokens ?? 0) - 3.99 / 3600 * perToken * 1e6) < 1e-9)
    }

    @Test func jsonHasTheDocumentedFields() throws {
        let cat = try Catalogue.builtIn()
        let m = try #require(ModelDescription.preset("llama-2-70b"))
        let results = try Planner().plan(PlanRequest(model: m, precisions: Precisions(weights: .int8)), on: cat.chips)
        let json = try PlanReport.json(results)
        let array = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]])
        #expect(array.count == cat.chips.count)
        for obj in array {
            for key in ["hardware", "chips", "batch", "fits", "bound", "decode_tokens_per_s_per_user", "aggregate_tokens_per_s",
                        "ttft_s", "joules_per_token", "usd_per_million_tokens"] {
                #expect(obj[key] != nil, "missing \(key) in \(obj["hardware"] ?? "?")")
            }
        }
        let csvLines = PlanReport.csv(results).split(separator: "\n")
        #expect(csvLines.count == results.count + 1)
        #expect(csvLines[0].hasPrefix("hardware,chips,batch,fits,bound,"))
    }

    @Test func unknownNamesAreErrors() throws {
        #expect(throws: PlannerError.unknownPrecision("fp3")) { try Precision.parse("fp3") }
        #expect(throws: PlannerError.unknownModel("llama-9", known: ModelDescription.presetNames)) { try ModelDescription.resolve("llama-9") }
        #expect(throws: PlannerError.invalidWorkload("batch must be at least 1 (got 0)")) {
            try Planner().plan(PlanRequest(model: CountTests.tiny, precisions: Precisions(weights: .bf16), batch: .fixed(0)), on: [])
        }
    }

    @Test func readsShapeFromGGUF() throws {
        var w = GGUFWriter()
        w.set("general.architecture", .string("llama"))
        w.set("llama.block_count", .uint32(2))
        w.set("llama.embedding_length", .uint32(8))
        w.set("llama.attention.head_count", .uint32(2))
        w.set("llama.attention.head_count_kv", .uint32(1))
        w.set("llama.feed_forward_length", .uint32(16))
        w.set("tokenizer.ggml.tokens", .array(.string, (0..<10).map { .string("t\($0)") }))
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("planner-\(UUID().uuidString).gguf").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try w.write(to: path)
        let m = try ModelDescription.resolve(path)
        #expect(m.layers == 2 && m.hidden == 8 && m.heads == 2 && m.kvHeads == 1 && m.headDim == 4 && m.ffn == 16 && m.vocab == 10)
        #expect(m.tiedEmbeddings)  // no output.weight tensor
        #expect(m.kvBytesPerToken(.bf16) == 2 * 2 * 1 * 4 * 2)
    }
}
