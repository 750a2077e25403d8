import Testing
import RooflinePlanner

/// FLOP, byte and parameter counts against sums done by hand (see each comment).
struct CountTests {
    /// 2 layers, hidden 8, 2 heads of 4, no GQA, FFN 16, vocab 10, untied.
    /// attention 4·8·8 = 256 and FFN 3·8·16 = 384 per layer → 1280; embeddings 2·10·8 = 160.
    static let tiny = ModelDescription(name: "tiny", layers: 2, hidden: 8, heads: 2, kvHeads: 2, headDim: 4, ffn: 16, vocab: 10)

    @Test func denseParameterCounts() {
        let m = Self.tiny
        #expect(m.attentionParamsPerLayer == 256)
        #expect(m.totalParams == 1440)
        #expect(m.activeParams == 1440)
        #expect(m.matmulParamsPerToken == 1360)  // layers + output head, not the embedding lookup
        #expect(m.kvBytesPerToken(.bf16) == 64)  // 2 layers · (K+V) 2 · 2 heads · 4 · 2 bytes
        #expect(m.attentionFLOPs(context: 5) == 320)  // 2 layers · 2 · 2 heads · (4+4) · 5
    }

    @Test func denseDecodeStep() {
        // B = 3, C = 5: FLOPs 3·(2·1360 + 320) = 9120; weights 1360·2 B = 2720;
        // KV 3 sequences · (5 read + 1 written) · 64 = 1152; activations 3 · 2 layers · 112 elements · 2 B = 1344
        // (112 = 4·8 + 2·8 (q) + 2·8 (kv) + 3·16).
        let c = Self.tiny.decodeStep(batch: 3, context: 5, precisions: Precisions(weights: .bf16))
        #expect(c.flops == 9120)
        #expect(c.weightBytes == 2720)
        #expect(c.kvBytes == 1152)
        #expect(c.activationBytes == 1344)
        #expect(c.bytes == 5216)
        // Halving weight precision halves only the weight bytes.
        #expect(Self.tiny.decodeStep(batch: 3, context: 5, precisions: Precisions(weights: .fp8)).weightBytes == 1360)
    }

    @Test func theHeadRunsForDecodedTokensAndEachPromptsLastToken() {
        // 3 decodes at context 5 beside a chunk of 8 prompt tokens of 4-token prompts: 11 tokens through the layers,
        // 2·11·1280 = 28,160; the head (80 weights) for the 3 decoded tokens and the 8/4 = 2 prompts' last tokens,
        // 2·5·80 = 800; attention 3·64·5 = 960 for the decodes and 8·64·2.5 = 1,280 for the chunk: 31,200.
        let c = Self.tiny.mixedStep(decodes: 3, context: 5, prefillTokens: 8, prompt: 4, precisions: Precisions(weights: .bf16))
        #expect(c.flops == 31_200)
        #expect(c.attentionFLOPs == 2_240)
    }

    @Test func ggmlBlockFormatsAndAHeadAtItsOwnPrecision() {
        // Q4_1 is 20 bytes per 32 weights: 1360 matmul weights → 850 bytes.
        #expect(Self.tiny.decodeStep(batch: 1, context: 1, precisions: Precisions(weights: .q4_1)).weightBytes == 850)
        // With the output head (10·8 = 80 weights) in Q8_0 (34 per 32): 1280 · 0.625 + 80 · 1.0625 = 800 + 85.
        var m = Self.tiny
        m.embeddingPrecision = .q8_0
        #expect(m.decodeStep(batch: 1, context: 1, precisions: Precisions(weights: .q4_1)).weightBytes == 885)
        // Resident: layers 800 + both embedding matrices (160 weights) at Q8_0 = 170.
        #expect(m.weightBytes(.q4_1) == 970)
    }

    @Test func densePrefill() {
        // P = 4: layers 2·4·1280 = 10240 matmul FLOPs, the output head (80 weights) for the last token only, 2·80 = 160,
        // and causal attention 64 FLOP per (query, key) pair · 4·5/2 = 640.
        let c = Self.tiny.prefill(prompt: 4, precisions: Precisions(weights: .bf16, kvCache: .fp8))
        #expect(c.flops == 11040)
        #expect(c.kvBytes == 4 * 32)  // fp8 KV: 32 bytes per token
    }

    @Test func llama31_8bIsGroupedQueryAttention() throws {
        let m = try #require(ModelDescription.preset("llama-3.1-8b"))
        // Per layer: q, o 4096² each + k, v 4096·1024 each = 41,943,040; FFN 3·4096·14336 = 176,160,768.
        // 32 layers + 2·128256·4096 embeddings = 8,029,995,008; the published 8,030,261,248 adds 266,240 norm weights.
        #expect(m.totalParams == 8_029_995_008)
        #expect(8_030_261_248 - m.totalParams == Double(32 * 2 * 4096 + 4096))
        // KV per token: 32 layers · 2 · 8 KV heads · 128 · 2 B = 131,072 (a 4x saving over 32 KV heads).
        #expect(m.kvBytesPerToken(.bf16) == 131_072)
    }

    @Test func mixtralMoECounts() throws {
        let m = try #require(ModelDescription.preset("mixtral-8x7b"))
        // Per layer: attention 41,943,040 + 8 experts · 176,160,768 + router 4096·8; embeddings 2·32000·4096.
        #expect(m.totalParams == 46_702_526_464)  // published 46,702,792,704 = this + 266,240 norm weights
        #expect(m.activeParams == 12_879_659_008)  // 2 experts per token
        // Distinct experts a layer reads: 8·(1 − (6/8)^B): 2 at B = 1, 3.5 at B = 2, nearly 8 for long prompts.
        #expect(m.expertsTouched(tokens: 1) == 2)
        #expect(m.expertsTouched(tokens: 2) == 3.5)
        #expect(m.expertsTouched(tokens: 512) > 7.999)
        // Decode at B = 1 reads the 2 routed experts' weights plus the output head, not the embedding table.
        let c = m.decodeStep(batch: 1, context: 1, precisions: Precisions(weights: .bf16))
        #expect(c.weightBytes == (12_879_659_008 - 32000 * 4096) * 2)
        #expect(m.decodeStep(batch: 2, context: 1, precisions: Precisions(weights: .bf16)).weightBytes > c.weightBytes)
    }

    @Test func deepseekV3LatentAttentionAndSharedExperts() throws {
        let m = try #require(ModelDescription.preset("deepseek-v3"))
        // DeepSeek reports 671B total and 37B activated (main model, without the MTP module).
        #expect(abs(m.totalParams - 671e9) < 1e9)
        #expect(abs(m.activeParams - 37.5e9) < 0.6e9)
        // MLA caches one 512 + 64 latent per token and layer: 61 · 576 · 2 B.
        #expect(m.kvBytesPerToken(.bf16) == 70_272)
    }

    @Test func gptOssCountsAndMXFP4Bytes() throws {
        // OpenAI's model card: 20.9B and 116.8B total parameters; 3.6B and 5.1B active, a count that leaves out
        // the 0.58B input embedding (the planner counts it, as it counts every model's).
        for (name, total, active) in [("gpt-oss-20b", 20.9e9, 3.6e9), ("gpt-oss-120b", 116.8e9, 5.1e9)] {
            let m = try #require(ModelDescription.preset(name))
            #expect(abs(m.totalParams - total) < 0.05e9, "\(name): \(m.totalParams)")
            #expect(abs(m.activeParams - 201_088 * 2880 - active) < 0.05e9, "\(name): \(m.activeParams)")
        }
        // MXFP4 stores 17 bytes per 32 weights; NVFP4 36 per 64.
        let m = try #require(ModelDescription.preset("gpt-oss-120b"))
        #expect(m.weightBytes(.mxfp4) == m.totalParams * 17 / 32)
        #expect(Precision.nvfp4.bytesPerElement == 0.5625)
        #expect(try Precision.parse("MXFP4") == .mxfp4)
    }

    @Test(arguments: ModelDescription.presetNames)
    func presetsAreValid(name: String) throws {
        let m = try #require(ModelDescription.preset(name))
        try m.validate()
        #expect(m.activeParams <= m.totalParams)
    }

    @Test func invalidModelIsRejected() {
        var m = Self.tiny
        m.kvHeads = 3
        #expect(throws: PlannerError.invalidModel(name: "tiny", reason: "heads (2) must be a multiple of kv_heads (3)")) { try m.validate() }
    }
}
