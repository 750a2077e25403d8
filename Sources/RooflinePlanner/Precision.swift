/// A number format for weights or the KV cache, with its storage size.
public enum Precision: String, CaseIterable, Sendable {
    case fp32, bf16, fp16, fp8, int8, q8_0, fp4, mxfp4, nvfp4, int4, q4_0, q4_1

    /// Bytes per stored element, block scales included for the ggml formats
    /// (Q8_0: 34 bytes per 32 weights, Q4_0: 18 bytes per 32, Q4_1: 20 bytes per 32, MXFP4: 17 bytes per 32 (an
    /// E8M0 scale per 32 E2M1 codes), NVFP4: 36 bytes per 64 (a UE4M3 scale per 16); ggml-common.h).
    public var bytesPerElement: Double {
        switch self {
        case .fp32: 4
        case .bf16, .fp16: 2
        case .fp8, .int8: 1
        case .q8_0: 34.0 / 32.0
        case .fp4, .int4: 0.5
        case .mxfp4: 17.0 / 32.0
        case .nvfp4: 36.0 / 64.0
        case .q4_0: 18.0 / 32.0
        case .q4_1: 20.0 / 32.0
        }
    }

    /// Catalogue compute formats to try, narrowest first: the chip's fastest listed format that is
    /// at least as wide as the weights (W4 falls back to INT8, then FP8, then BF16 peaks).
    public var computeFormats: [ComputeFormat] {
        switch self {
        case .fp32, .bf16, .fp16: [.bf16]
        case .fp8: [.fp8, .bf16]
        case .int8, .q8_0: [.int8, .fp8, .bf16]
        case .fp4, .mxfp4, .nvfp4: [.fp4, .fp8, .bf16]
        case .int4, .q4_0, .q4_1: [.int4, .int8, .fp8, .bf16]
        }
    }

    /// Parses a name such as `bf16`, `fp8`, `q4_0` (case-insensitive).
    public static func parse(_ s: String) throws(PlannerError) -> Precision {
        guard let p = Precision(rawValue: s.lowercased()) else { throw .unknownPrecision(s) }
        return p
    }
}

/// A dense peak-throughput column of the catalogue.
public enum ComputeFormat: String, CaseIterable, Sendable {
    case bf16, fp8, fp4, int8, int4

    /// The catalogue column holding this format's peak (TFLOPS or TOPS).
    var column: String {
        switch self {
        case .bf16, .fp8, .fp4: "\(rawValue)_tflops"
        case .int8, .int4: "\(rawValue)_tops"
        }
    }
}
