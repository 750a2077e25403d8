import Foundation
import Testing
import RooflinePlanner

/// How each class of chip spreads a model over chips, and that every system the seed names answers for 8B, 70B
/// and 405B models: with a projection, or with the reason it cannot.
struct ClassSplitTests {
    static let seedSystems = ["sambanova-sn40l", "groq-lpu-v1", "cerebras-wse3", "google-tpu-v5e", "google-tpu-v6e",
                              "google-tpu7x-ironwood", "aws-inferentia2", "aws-trainium2", "nvidia-b200-hgx", "nvidia-gb200-nvl72",
                              "nvidia-rubin-vr200", "apple-m4", "apple-m4-max", "hailo-10h", "amd-mi300x", "amd-mi325x",
                              "amd-mi355x", "nvidia-jetson-orin-nano-super"]

    static func single(_ model: String, _ p: Precision, chips: Int? = nil) throws -> PlanRequest {
        PlanRequest(model: try #require(ModelDescription.preset(model)), precisions: Precisions(weights: p, kvCache: .fp8),
                    batch: .fixed(1), chips: chips, workload: Workload(prompt: 1000, output: 500, scenario: .single))
    }

    static func plan(_ r: PlanRequest, _ chip: String) throws -> PlanResult {
        try #require(try Planner().plan(r, on: [try Catalogue.builtIn().chip(chip)]).first)
    }

    @Test(arguments: ["llama-3.1-8b", "llama-3.1-70b", "llama-3.1-405b"])
    func everySeedSystemAnswersOrSaysWhyNot(model: String) throws {
        let cat = try Catalogue.builtIn()
        let results = try Planner().plan(try Self.single(model, .fp8), on: Self.seedSystems.map { try cat.chip($0) })
        for r in results {
            #expect(r.bound != .unknown, "\(r.chip.id) answers unknown for \(model): \(r.notes)")
            if r.fits {
                #expect((r.decodeTokensPerSPerUser ?? 0) > 0, "\(r.chip.id) fits \(model) but projects nothing")
            } else {
                #expect(!r.notes.isEmpty, "\(r.chip.id) refuses \(model) without a reason")
            }
        }
    }

    @Test func gpusSplitWithinTheirNVLinkDomainThenPipeline() throws {
        // 811.6 GB of BF16 weights over 72 GB usable per H100 → 12 chips: tensor-parallel 8 (the HGX), 2 stages.
        let h100 = try Self.plan(try Self.single("llama-3.1-405b", .bf16), "nvidia-h100-sxm")
        #expect(h100.deployment.chips == 12 && h100.deployment.tensorParallel == 8 && h100.deployment.pipelineStages == 2)
        #expect((h100.decodeTime?.interconnectS ?? 0) > 0)
        let mi300x = try Self.plan(try Self.single("llama-3.1-405b", .fp8), "amd-mi300x")
        #expect(mi300x.deployment.tensorParallel == 3 && mi300x.deployment.pipelineStages == 1)
    }

    @Test func sramOnlyPartsNeedManyChipsAndAreBoundByTheirLinks() throws {
        let groq = try Self.plan(try Self.single("llama-3.1-70b", .fp8), "groq-lpu-v1")
        #expect(groq.deployment.tensorParallel == 8 && groq.deployment.pipelineStages == 43 && groq.bound == .interconnect)
        // 141 GB of FP16 over 39.6 GB usable per wafer: 4 wafers, one layer range each (no tensor parallelism across
        // CS-3 systems), per-user speed from the fitted per-layer latency plus the hops between wafers.
        let cerebras = try Self.plan(try Self.single("llama-3.1-70b", .fp16), "cerebras-wse3")
        #expect(cerebras.deployment.chips == 4 && cerebras.deployment.tensorParallel == 1 && cerebras.deployment.pipelineStages == 4)
        #expect(cerebras.fits && (cerebras.decodeTokensPerSPerUser ?? 0) > 0 && cerebras.ttftS == nil)
    }

    /// A wafer keeps each layer's weights in the SRAM of the cores that compute with them, so a larger layer covers a
    /// larger region and its broadcasts and reductions cross a wider one: the per-layer latency fitted on Llama 3.1 8B's
    /// 0.502 GB layers grows with the square root of a layer's weights. Other chips keep a fixed cost per layer.
    @Test func waferLayerLatencyGrowsWithTheSquareRootOfALayersWeights() throws {
        let cat = try Catalogue.builtIn()
        let wafer = EfficiencyTable().of(try cat.chip("cerebras-wse3"))
        let p = Precisions(weights: .fp16, kvCache: .fp16)
        let m8 = try #require(ModelDescription.preset("llama-3.1-8b")), m70 = try #require(ModelDescription.preset("llama-3.1-70b"))
        let gb8 = m8.weightBytes(.fp16) / Double(m8.layers) / 1e9, gb70 = m70.weightBytes(.fp16) / Double(m70.layers) / 1e9
        #expect(abs(gb8 - 0.502) < 0.002 && gb70 > 3 * gb8)
        let one = Deployment(chips: 1, unitChips: 1, layers: m8.layers), four = Deployment(chips: 4, unitChips: 1, layers: m70.layers)
        #expect(abs(one.layerOverhead(model: m8, precisions: p, efficiency: wafer) - 17.0e-6 * (gb8 / 0.502).squareRoot()) < 1e-12)
        #expect(abs(four.layerOverhead(model: m70, precisions: p, efficiency: wafer) - 17.0e-6 * (gb70 / 0.502).squareRoot()) < 1e-12)
        let h100 = EfficiencyTable().of(try cat.chip("nvidia-h100-sxm"))
        #expect(Deployment(chips: 8, unitChips: 8, layers: m70.layers).layerOverhead(model: m70, precisions: p, efficiency: h100) == h100.layerOverheadS)
    }

    @Test func asicsSpreadOverTheirNodeOrPod() throws {
        // SambaNova: a 16-RDU node, tensor-parallel over all 16; the RDU links' rate is unpublished, so only their
        // latency is counted, and the note says which memory tier the weights stream from.
        let sn = try Self.plan(try Self.single("llama-3.1-405b", .bf16, chips: 16), "sambanova-sn40l")
        #expect(sn.deployment.tensorParallel == 16 && sn.deployment.pipelineStages == 1 && sn.fits)
        #expect(sn.notes.contains { $0.contains("only its latency") } && sn.notes.contains { $0.contains("stream from") })
        // Beyond its unit a part with no published link refuses, saying so.
        let sn32 = try Self.plan(try Self.single("llama-3.1-405b", .bf16, chips: 32), "sambanova-sn40l")
        #expect(!sn32.fits && sn32.notes.contains { $0.contains("beyond its 16-chip unit") })
        let tpu = try Self.plan(try Self.single("llama-3.1-405b", .fp8), "google-tpu-v6e")
        #expect(tpu.deployment.chips == 15 && tpu.deployment.tensorParallel == 8 && tpu.deployment.pipelineStages == 2)
        let inf2 = try Self.plan(try Self.single("llama-3.1-70b", .bf16, chips: 12), "aws-inferentia2")
        #expect(inf2.deployment.tensorParallel == 12 && inf2.fits)
    }

    @Test func edgeChipsStaySingleAndSayWhatFits() throws {
        let m4max = try Self.plan(try Self.single("llama-3.1-405b", .fp8), "apple-m4-max")
        #expect(!m4max.fits && m4max.notes.contains { $0.contains("single-chip part cannot span") })
        // FP8 on a chip with no FP8 units: counted at 8 bits, said so.
        let fp8 = try Self.plan(try Self.single("llama-3.1-8b", .fp8), "apple-m4-max")
        #expect(fp8.fits && fp8.notes.contains { $0.contains("no FP8 units listed") })
        let hailo8b = try Self.plan(try Self.single("llama-3.1-8b", .q4_0), "hailo-10h")
        #expect(hailo8b.fits && hailo8b.deployment.chips == 1)
        let hailo70b = try Self.plan(try Self.single("llama-3.1-70b", .q4_0), "hailo-10h")
        #expect(!hailo70b.fits && hailo70b.notes.contains { $0.contains("cannot span") })
        let jetson = try Self.plan(try Self.single("llama-3.1-8b", .q4_0), "nvidia-jetson-orin-nano-super")
        #expect(jetson.fits && jetson.deployment.chips == 1 && (jetson.joulesPerToken ?? 0) > 0)
    }

    @Test func speculationHelpsComputeRichChipsMore() throws {
        // Verifying 5 tokens per sequence is nearly free while a step is memory-bound and costs compute once it is
        // not: at batch 16 the H200 (about 270 FLOP per byte at the fractions assumed) still streams weights, while
        // Inferentia2 (its fitted 9% compute fraction: about 27 FLOP per byte) turns compute-bound.
        func gain(_ chip: String, batch: Int, chips: Int) throws -> Double {
            func speed(_ s: Speculation?) throws -> Double {
                let r = PlanRequest(model: try #require(ModelDescription.preset("llama-3.1-8b")), precisions: Precisions(weights: .bf16, kvCache: .bf16),
                                    batch: .fixed(batch), chips: chips, workload: Workload(prompt: 512, output: 512, scenario: .offline), speculation: s)
                return try #require(try Self.plan(r, chip).decodeTokensPerSPerUser)
            }
            return try speed(Speculation(draftTokens: 4, acceptance: 0.7)) / speed(nil)
        }
        let h200 = try gain("nvidia-h200-sxm", batch: 16, chips: 1), inf2 = try gain("aws-inferentia2", batch: 16, chips: 1)
        #expect(h200 > 1.5 && inf2 < h200)
    }
}
