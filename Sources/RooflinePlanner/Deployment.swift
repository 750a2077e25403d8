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
    /// The catalogue lacks the figure needed to project (e.g. no memory bandwidth).
    case unknown
}

/// Roofline time of one phase on one deployment.
public struct PhaseTime: Sendable, Equatable {
    /// FLOPs ÷ (tensor-parallel chips × peak × efficiency); nil when the chip has no listed peak for the format.
    public var computeS: Double?
    /// Bytes ÷ (tensor-parallel chips × bandwidth × efficiency).
    public var memoryS: Double
    /// All-reduces and pipeline hops, not overlapped with the rest.
    public var interconnectS: Double

    /// max(compute, memory) + interconnect.
    public var totalS: Double { max(computeS ?? 0, memoryS) + interconnectS }

    public var bound: Bound {
        let roof = max(computeS ?? 0, memoryS)
        if interconnectS > roof { return .interconnect }
        if let c = computeS, c > memoryS { return .compute }
        return .memory
    }
}

extension Deployment {
    /// The roofline time of `cost` on this deployment of `chip`; nil when the chip has no memory bandwidth figure.
    ///
    /// Pipeline stages run one after another for a batch (no micro-batch overlap), so per-token latency is
    /// the whole model on one tensor-parallel group plus the hops; aggregate throughput of pipelined
    /// deployments is therefore a lower bound.
    public func time(_ cost: PhaseCost, on chip: Chip, model: ModelDescription, precisions: Precisions,
                     efficiency e: Efficiency) -> PhaseTime? {
        guard let bw = chip.memoryBandwidthGBs, bw > 0 else { return nil }
        let tp = Double(tensorParallel)
        let compute = chip.peak(for: precisions.weights).map { cost.flops / (tp * $0.tflops * 1e12 * e.compute) }
        let memory = cost.bytes / (tp * bw * 1e9 * e.memory)
        return PhaseTime(computeS: compute, memoryS: memory,
                         interconnectS: interconnectTime(tokens: cost.tokens, chip: chip, model: model, precisions: precisions, efficiency: e))
    }

    /// Two ring all-reduces per layer across the tensor-parallel group and one hop per stage boundary, each
    /// moving `tokens × hidden` activations; the link's per-direction rate is half the printed bidirectional figure.
    /// Without a switch (`ringCollectives`) each all-reduce pays the step latency 2·(p−1) times, once per ring step.
    public func interconnectTime(tokens: Int, chip: Chip, model: ModelDescription, precisions: Precisions, efficiency e: Efficiency) -> Double {
        guard chips > 1, let link = chip.interconnectGBs, link > 0 else { return 0 }
        let perDirection = link / 2 * 1e9
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
