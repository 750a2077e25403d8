/// FLOPs and bytes of one phase of inference: a prefill, or one decode step for a batch.
public struct PhaseCost: Sendable, Equatable {
    /// All FLOPs: matmuls plus attention.
    public var flops: Double
    /// The part of `flops` spent in attention (QKᵀ and AV), which reads the KV cache rather than weights.
    public var attentionFLOPs: Double = 0
    public var weightBytes: Double
    public var kvBytes: Double
    /// The part of `kvBytes` that decoding sequences read from their caches (the rest is written by prefill).
    public var decodeKVBytes: Double = 0
    public var activationBytes: Double
    /// Tokens produced or consumed by the phase (batch for a decode step, prompt length for a prefill).
    public var tokens: Int

    public var bytes: Double { weightBytes + kvBytes + activationBytes }
    /// FLOPs of the matmuls (weights times activations).
    public var matmulFLOPs: Double { flops - attentionFLOPs }
    /// Bytes the matmuls stream: weights and activations.
    public var matmulBytes: Double { weightBytes + activationBytes }
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
        mixedStep(decodes: batch, context: context, prefillTokens: 0, prompt: 0, precisions: p)
    }

    /// One step of continuous batching: `decodes` sequences each emit `queries` tokens (more than one when a
    /// speculative draft is verified) with `context` tokens cached, and a chunk of `prefillTokens` prompt tokens
    /// of prompts `prompt` long shares the step (each chunk token attends to `prompt/2` earlier tokens on average).
    /// Weights are read once for all the step's tokens; each decoding sequence reads its cache once.
    /// The output head runs for every decoded query but, in a prefill, only for a prompt's last token (engines
    /// sample one token from a prompt: llama.cpp's, vLLM's and Roofline's own `Transformer`), so a chunk of
    /// `prefillTokens` pays it `prefillTokens / prompt` times.
    public func mixedStep(decodes: Int, context: Int, queries: Int = 1, prefillTokens: Int, prompt: Int,
                          precisions p: Precisions) -> PhaseCost {
        let b = Double(decodes), q = Double(max(queries, 1)), k = Double(prefillTokens)
        let n = decodes * max(queries, 1) + prefillTokens
        let attention = b * q * attentionFLOPs(context: Double(context)) + k * attentionFLOPs(context: Double(prompt + 1) / 2)
        let decodeKV = b * Double(context + max(queries, 1)) * kvBytesPerToken(p.kvCache)
        let headRows = b * q + (prefillTokens > 0 ? k / Double(max(prompt, 1)) : 0)
        return PhaseCost(
            flops: 2 * (Double(n) * layerMatmulParamsPerToken + headRows * headParams) + attention, attentionFLOPs: attention,
            weightBytes: weightBytesRead(tokens: n, p.weights),
            kvBytes: decodeKV + k * kvBytesPerToken(p.kvCache), decodeKVBytes: decodeKV,
            activationBytes: Double(n) * Double(layers) * activationElementsPerTokenPerLayer * p.activations.bytesPerElement,
            tokens: n)
    }

    /// A prefill of `prompt` tokens for one sequence (causal attention: token i attends to i tokens); the output
    /// head runs for the last token only.
    public func prefill(prompt: Int, precisions p: Precisions) -> PhaseCost {
        let n = Double(prompt)
        let attention = attentionFLOPs(context: 1) * n * (n + 1) / 2
        return PhaseCost(
            flops: 2 * (n * layerMatmulParamsPerToken + (prompt > 0 ? headParams : 0)) + attention, attentionFLOPs: attention,
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
