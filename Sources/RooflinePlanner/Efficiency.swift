/// Fractions of the datasheet peaks a class of chip reaches in practice, and its collective latency.
///
/// These are the planner's stated assumptions, all in one place. They are starting values, not
/// measurements: the validation table of issue 6 and `--calibrate` are where they get checked.
public struct Efficiency: Sendable, Equatable {
    /// Fraction of the dense peak reached by the matmuls.
    public var compute: Double
    /// Fraction of the memory bandwidth reached while streaming weights and KV cache.
    public var memory: Double
    /// Fraction of memory capacity usable for weights and KV cache (runtime, fragmentation, OS).
    public var usableMemory: Double
    /// Fixed latency of one all-reduce (through a switch) or one chip-to-chip step, seconds.
    public var collectiveLatencyS: Double
    /// Chips linked directly, with no switch: an all-reduce over p chips is a ring of 2·(p−1) dependent steps,
    /// each paying `collectiveLatencyS`; otherwise (NVSwitch, ICI) one latency per all-reduce.
    public var ringCollectives: Bool
    /// Tokens per step at which the matmuls reach half of `compute`: a step of n tokens runs at
    /// compute · n / (n + computeHalfTokens), so small batches (thin GEMMs) stay far from the peak.
    public var computeHalfTokens: Double
    /// Fixed time per layer and step that no roofline term covers (kernel launches and tails, synchronisation).
    public var layerOverheadS: Double
    /// The fraction of `compute` that matmuls in 8-bit and integer 4-bit formats (and FP4 without its own scale) keep of
    /// their (higher) peak, relative to BF16.
    public var narrowFormatScale: Double
    /// The same share for FP4 matmuls (block-scaled NVFP4/MXFP4 with their activations quantized on the fly), where
    /// it differs from the 8-bit one; nil: `narrowFormatScale`.
    public var fp4FormatScale: Double?
    /// The engine's decode attention reads each KV head once per query head (one thread block per query head, as
    /// TensorRT-LLM's masked MHA kernel did before its XQA kernel), so a grouped-query model's decode streams its
    /// cache `heads / kvHeads` times; false (the default): once per sequence, the KV head shared by its group.
    public var kvReadsPerQueryHead = false
    /// Fraction of the printed link rate that all-reduces and stage hops reach (1: the rate as printed).
    public var link = 1.0
    /// Weight bytes per layer at which `layerOverheadS` holds, for a chip whose per-layer latency grows with the
    /// square root of the weights a layer holds (`Chip.layerOverheadReferenceBytes`); nil: a fixed cost per layer.
    public var layerOverheadReferenceBytes: Double?
    /// Fixed time per step that does not grow with the layers (`Chip.stepOverheadS`); 0 for every class by default.
    public var stepOverheadS = 0.0

    /// The fixed time of one layer holding `layerBytes` of weights on each chip of its tensor-parallel group.
    public func layerOverhead(layerBytes: Double) -> Double {
        guard let ref = layerOverheadReferenceBytes, ref > 0 else { return layerOverheadS }
        return layerOverheadS * (max(layerBytes, 0) / ref).squareRoot()
    }

    public init(compute: Double, memory: Double, usableMemory: Double, collectiveLatencyS: Double, ringCollectives: Bool = false,
                computeHalfTokens: Double = 0, layerOverheadS: Double = 0, narrowFormatScale: Double = 1, fp4FormatScale: Double? = nil) {
        self.narrowFormatScale = narrowFormatScale
        self.fp4FormatScale = fp4FormatScale
        self.compute = compute
        self.memory = memory
        self.usableMemory = usableMemory
        self.collectiveLatencyS = collectiveLatencyS
        self.ringCollectives = ringCollectives
        self.computeHalfTokens = computeHalfTokens
        self.layerOverheadS = layerOverheadS
    }

    /// The fraction of the dense peak in `format` reached by a step of `tokens` tokens.
    public func computeFraction(tokens: Int, format: ComputeFormat = .bf16) -> Double {
        let n = Double(max(tokens, 1))
        let scale = switch format {
        case .bf16: 1.0
        case .fp4: fp4FormatScale ?? narrowFormatScale
        case .fp8, .int8, .int4: narrowFormatScale
        }
        return compute * scale * n / (n + computeHalfTokens)
    }

    /// Default assumptions per class:
    /// - gpu/asic: ~60% of peak in large matmuls and ~80% of HBM bandwidth in decode are typical of
    ///   tuned serving stacks; 90% of HBM usable; ~8/10 µs per small all-reduce over NVLink/ICI.
    /// - lpu: weights stream from SRAM (90%); 50% of peak compute; chips linked directly (ring all-reduces) with
    ///   1.2 µs per dependent chip-to-chip step, the value that puts Groq's Llama-2-70B near its published
    ///   300 tok/s/user (docs/planner.md, "SRAM-only deployments"; the other Groq rows there are held out).
    /// - edge/cpu: 70% of DRAM bandwidth and 50% of peak; 75%/90% of memory usable (shared with the OS).
    public static func defaults(_ c: ChipClass) -> Efficiency {
        switch c {
        case .gpu: Efficiency(compute: 0.76, memory: 0.88, usableMemory: 0.9, collectiveLatencyS: 8e-6,
                              computeHalfTokens: gpuComputeHalfTokens, layerOverheadS: 26.8e-6, narrowFormatScale: gpuNarrowFormatScale,
                              fp4FormatScale: gpuFP4FormatScale)
        case .asic: Efficiency(compute: 0.6, memory: 0.8, usableMemory: 0.9, collectiveLatencyS: 10e-6)
        case .lpu: Efficiency(compute: 0.5, memory: 0.9, usableMemory: 0.9, collectiveLatencyS: lpuStepLatencyS, ringCollectives: true)
        case .edge: Efficiency(compute: 0.5, memory: 0.7, usableMemory: 0.75, collectiveLatencyS: 0)
        case .cpu: Efficiency(compute: 0.5, memory: 0.7, usableMemory: 0.9, collectiveLatencyS: 0)
        }
    }

    /// Latency of one dependent chip-to-chip step in an SRAM-only pipeline (see `defaults`).
    public static let lpuStepLatencyS = 1.2e-6
    /// Tokens per step at which GPU matmuls reach half their peak fraction (fitted; docs/planner.md).
    public static let gpuComputeHalfTokens = 48.0
    /// GPU matmuls in FP8/INT8/INT4 reach this share of the fraction BF16 reaches of its peak (fitted; docs/planner.md).
    public static let gpuNarrowFormatScale = 0.72
    /// GPU matmuls in FP4 (NVFP4 weights and activations) reach this share instead: fitted to validation row 23
    /// (B200, Llama 3.3 70B NVFP4, TensorRT-LLM v1.0, 1000/1000); the other Blackwell rows are held out (docs/planner.md).
    public static let gpuFP4FormatScale = 0.43
}

/// The efficiency assumptions for every class, with optional overrides.
public struct EfficiencyTable: Sendable, Equatable {
    public var byClass: [ChipClass: Efficiency]

    public init(byClass: [ChipClass: Efficiency] = [:]) {
        var t: [ChipClass: Efficiency] = [:]
        for c in ChipClass.allCases { t[c] = byClass[c] ?? Efficiency.defaults(c) }
        self.byClass = t
    }

    /// Fractions forced for every chip (command-line overrides); they win over a chip's own calibrated values.
    public var forcedCompute: Double?
    public var forcedMemory: Double?
    /// The engine measured or planned for reads the KV cache once per query head in decode (see `Efficiency`).
    public var kvReadsPerQueryHead = false

    public subscript(_ c: ChipClass) -> Efficiency { byClass[c] ?? Efficiency.defaults(c) }

    /// The fractions for `chip`: its class's, then its own calibrated ones, then the forced overrides.
    public func of(_ chip: Chip) -> Efficiency {
        var e = self[chip.chipClass]
        if let c = forcedCompute ?? chip.computeEfficiency { e.compute = c }
        if let m = forcedMemory ?? chip.memoryEfficiency { e.memory = m }
        if let o = chip.layerOverheadS { e.layerOverheadS = o }
        if let l = chip.linkEfficiency { e.link = l }
        e.layerOverheadReferenceBytes = chip.layerOverheadReferenceBytes
        if let s = chip.stepOverheadS { e.stepOverheadS = s }
        e.kvReadsPerQueryHead = kvReadsPerQueryHead
        return e
    }

    /// Overrides the compute and/or memory fraction for every class and chip (e.g. from the command line).
    public func overriding(compute: Double?, memory: Double?) -> EfficiencyTable {
        var t = self
        for c in ChipClass.allCases {
            var e = self[c]
            if let compute { e.compute = compute }
            if let memory { e.memory = memory }
            t.byClass[c] = e
        }
        t.forcedCompute = compute ?? forcedCompute
        t.forcedMemory = memory ?? forcedMemory
        return t
    }
}
