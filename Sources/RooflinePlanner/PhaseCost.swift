/// FLOPs and bytes of one phase of inference: a prefill, or one decode step for a batch.
public struct PhaseCost: Sendable, Equatable {
    public var flops: Double
    public var weightBytes: Double
    public var kvBytes: Double
    public var activationBytes: Double
    /// Tokens produced or consumed by the phase (batch for a decode step, prompt length for a prefill).
    public var tokens: Int

    public var bytes: Double { weightBytes + kvBytes + activationBytes }
    /// Arithmetic intensity, FLOP per byte.
    public var intensity: Double { bytes > 0 ? flops / bytes : 0 }
}

/// Precisions of a workload: weights, KV cache and activations.
public struct Precisions: Sendable, Equatable {
    public var weights: Precision
    public var kvCache: Precision
    public var activations: Precision

    public init(weights: Precision, kvCache: Precision = .bf16, activations: Precision = .bf16) {
        self.weights = weights
        self.kvCache = kvCache
        self.activations = activations
    }
}

extension ModelDescription {
    /// One decode step: `batch` sequences each emit one token with `context` tokens already cached.
    /// Weights are read once for the whole batch (MoE: the experts the batch touches); each sequence
    /// reads its `context` cached tokens and writes one.
    public func decodeStep(batch: Int, context: Int, precisions p: Precisions) -> PhaseCost {
        let b = Double(batch)
        return PhaseCost(
            flops: b * (2 * matmulParamsPerToken + attentionFLOPs(context: Double(context))),
            weightBytes: weightBytesRead(tokens: batch, p.weights),
            kvBytes: b * Double(context + 1) * kvBytesPerToken(p.kvCache),
            activationBytes: b * Double(layers) * activationElementsPerTokenPerLayer * p.activations.bytesPerElement,
            tokens: batch)
    }

    /// A prefill of `prompt` tokens for one sequence (causal attention: token i attends to i tokens).
    public func prefill(prompt: Int, precisions p: Precisions) -> PhaseCost {
        let n = Double(prompt)
        return PhaseCost(
            flops: 2 * n * matmulParamsPerToken + attentionFLOPs(context: 1) * n * (n + 1) / 2,
            weightBytes: weightBytesRead(tokens: prompt, p.weights),
            kvBytes: n * kvBytesPerToken(p.kvCache),
            activationBytes: n * Double(layers) * activationElementsPerTokenPerLayer * p.activations.bytesPerElement,
            tokens: prompt)
    }

    /// Bytes that must stay resident: all weights plus the KV cache of `batch` sequences of `context` tokens.
    public func residentBytes(batch: Int, context: Int, precisions p: Precisions) -> Double {
        weightBytes(p.weights) + Double(batch) * Double(context) * kvBytesPerToken(p.kvCache)
    }
}
