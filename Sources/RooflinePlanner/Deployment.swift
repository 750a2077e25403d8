/// How a model is laid out over several chips: tensor-parallel groups chained as pipeline stages.
public struct Deployment: Sendable, Equatable {
    public var chips: Int
    /// Chips that split every layer's matmuls (an all-reduce after attention and after the FFN).
    public var tensorParallel: Int
    /// Groups of layers run one after another, handing activations on over the chip-to-chip link.
    public var pipelineStages: Int

    /// Splits `chips` into tensor-parallel groups no wider than the chip's scale-up unit (NVLink domain,
    /// host or node), widened only when there would be more pipeline stages than layers.
    public init(chips: Int, unitChips: Int?, layers: Int) {
        let n = max(chips, 1)
        let byLayers = (n + max(layers, 1) - 1) / max(layers, 1)
        let tp = min(n, max(unitChips ?? 1, byLayers, 1))
        self.chips = n
        self.tensorParallel = tp
        self.pipelineStages = (n + tp - 1) / tp
    }
}

/// Which limit sets a case's speed.
public enum Bound: String, Sendable {
    case memory, compute, interconnect, capacity
    /// Fixed per-layer costs (kernel launches, synchronisation) outweigh every roofline term.
    case overhead
    /// The catalogue lacks the figure needed to project (e.g. no memory bandwidth).
    case unknown
}

/// Roofline time of one phase on one deployment, kernel by kernel: the matmuls (weights and activations
/// against their FLOPs) and attention (KV cache against its FLOPs) each take the larger of their compute and
/// memory times, one after the other; then the interconnect and the fixed per-layer overhead are added.
public struct PhaseTime: Sendable, Equatable {
    /// All FLOPs ÷ (tensor-parallel chips × peak × the step's compute fraction); nil when the chip has no listed peak.
    public var computeS: Double?
    /// All bytes ÷ (tensor-parallel chips × bandwidth × efficiency).
    public var memoryS: Double
    /// All-reduces and pipeline hops, not overlapped with the rest.
    public var interconnectS: Double
    /// Fixed cost of the step: per layer, plus the chip's per-step cost.
    public var overheadS: Double = 0
    /// max(matmul compute, weight and activation bytes).
    public var matmulS: Double = 0
    /// max(attention compute, KV bytes).
    public var attentionS: Double = 0
    /// The part of `matmulS + attentionS` where compute is the larger term.
    public var computeBoundS: Double = 0
    /// Tokens the step processed, and the fraction of the dense peak a step of that many tokens reaches.
    public var tokens: Int = 0
    public var computeFraction: Double = 0

    /// matmuls + attention + interconnect + overhead.
    public var totalS: Double { matmulS + attentionS + interconnectS + overheadS }

    public var bound: Bound {
        let computePart = computeBoundS, memoryPart = matmulS + attentionS - computeBoundS
        let largest = max(computePart, memoryPart, interconnectS, overheadS)
        if interconnectS == largest { return .interconnect }
        if overheadS == largest { return .overhead }
        return computePart > memoryPart ? .compute : .memory
    }
}

extension Deployment {
    /// The roofline time of `cost` on this deployment of `chip`; nil when the chip has no memory bandwidth figure.
    ///
    /// The time is that of the whole model on one tensor-parallel group plus the hops (pipeline stages run one
    /// after another for one micro-batch); scenario throughput keeps every stage busy with its own micro-batch.
    public func time(_ cost: PhaseCost, on chip: Chip, model: ModelDescription, precisions: Precisions,
                     efficiency e: Efficiency) -> PhaseTime? {
        guard let bw = chip.memoryBandwidthGBs, bw > 0 else { return nil }
        let tp = Double(tensorParallel)
        let peak = chip.peak(for: precisions.weights)
        let fraction = e.computeFraction(tokens: cost.tokens, format: peak?.format ?? .bf16)
        let rate = peak.map { tp * $0.tflops * 1e12 * fraction }
        let bytesPerS = tp * bw * 1e9 * e.memory
        // An engine without KV sharing across a query group reads each decoding sequence's cache once per query head.
        let kvRead = cost.kvBytes + (e.kvReadsPerQueryHead ? (model.queryHeadsPerKVHead - 1) * cost.decodeKVBytes : 0)
        let matmulMemory = cost.matmulBytes / bytesPerS, kvMemory = kvRead / bytesPerS
        let matmulCompute = rate.map { cost.matmulFLOPs / $0 } ?? 0, attentionCompute = rate.map { cost.attentionFLOPs / $0 } ?? 0
        return PhaseTime(
            computeS: rate.map { cost.flops / $0 }, memoryS: (cost.matmulBytes + kvRead) / bytesPerS,
            interconnectS: interconnectTime(tokens: cost.tokens, chip: chip, model: model, precisions: precisions, efficiency: e),
            overheadS: Double(model.layers) * layerOverhead(model: model, precisions: precisions, efficiency: e) + e.stepOverheadS,
            matmulS: max(matmulCompute, matmulMemory), attentionS: max(attentionCompute, kvMemory),
            computeBoundS: (matmulCompute > matmulMemory ? matmulCompute : 0) + (attentionCompute > kvMemory ? attentionCompute : 0),
            tokens: cost.tokens, computeFraction: fraction)
    }

    /// The fixed time of one layer on this deployment: the chip's per-layer cost, scaled by the weights each chip
    /// holds of one layer where the chip says its latency grows with them (`Efficiency.layerOverhead`).
    public func layerOverhead(model: ModelDescription, precisions: Precisions, efficiency e: Efficiency) -> Double {
        e.layerOverhead(layerBytes: model.weightBytes(precisions.weights) / Double(max(model.layers, 1)) / Double(tensorParallel))
    }

    /// Two ring all-reduces per layer across the tensor-parallel group and one hop per stage boundary, each
    /// moving `tokens × hidden` activations; the link's per-direction rate is half the printed bidirectional figure,
    /// times the chip's link efficiency (a link whose rate is unpublished costs only its latency).
    /// Without a switch (`ringCollectives`) each all-reduce pays the step latency 2·(p−1) times, once per ring step.
    public func interconnectTime(tokens: Int, chip: Chip, model: ModelDescription, precisions: Precisions, efficiency e: Efficiency) -> Double {
        guard chips > 1 else { return 0 }
        // A link of unpublished rate (within the chip's unit) costs its latency only.
        let perDirection = (chip.interconnectGBs ?? 0) > 0 ? (chip.interconnectGBs ?? 0) / 2 * 1e9 * e.link : Double.infinity
        let message = Double(tokens) * Double(model.hidden) * precisions.activations.bytesPerElement
        var t = 0.0
        if tensorParallel > 1 {
            let p = Double(tensorParallel)
            let latency = e.ringCollectives ? 2 * (p - 1) * e.collectiveLatencyS : e.collectiveLatencyS
            t += Double(2 * model.layers) * (latency + 2 * (p - 1) / p * message / perDirection)
        }
        if pipelineStages > 1 {
            t += Double(pipelineStages - 1) * (e.collectiveLatencyS + message / perDirection)
        }
        return t
    }
}
