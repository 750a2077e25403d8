import RooflineGGUF

/// A number format for weights or the KV cache, with its storage size.
public enum Precision: String, CaseIterable, Sendable {
    case fp32, bf16, fp16, fp8, int8, q8_0, fp4, mxfp4, nvfp4, int4, q4_0, q4_1
    /// The other ggml block formats llama.cpp's mixed files (Q4_K_M and the like) are made of.
    case q5_0, q5_1, q2_k, q3_k, q4_k, q5_k, q6_k

    /// Bytes per stored element, block scales included for the ggml formats
    /// (Q8_0: 34 bytes per 32 weights, Q4_0: 18 bytes per 32, Q4_1: 20 bytes per 32, MXFP4: 17 bytes per 32 (an
    /// E8M0 scale per 32 E2M1 codes), NVFP4: 36 bytes per 64 (a UE4M3 scale per 16); Q5_0: 22 per 32, Q5_1: 24 per 32;
    /// the K-quants per 256-weight super-block: Q2_K 84, Q3_K 110, Q4_K 144, Q5_K 176, Q6_K 210; ggml-common.h).
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
        case .q5_0: 22.0 / 32.0
        case .q5_1: 24.0 / 32.0
        case .q2_k: 84.0 / 256.0
        case .q3_k: 110.0 / 256.0
        case .q4_k: 144.0 / 256.0
        case .q5_k: 176.0 / 256.0
        case .q6_k: 210.0 / 256.0
        }
    }

    /// Catalogue compute formats to try, narrowest first: the chip's fastest listed format that is
    /// at least as wide as the weights (W4 falls back to INT8, then FP8, then BF16 peaks).
    public var computeFormats: [ComputeFormat] {
        switch self {
        case .fp32, .bf16, .fp16: [.bf16]
        case .fp8: [.fp8, .bf16]
        case .int8, .q8_0, .q5_0, .q5_1, .q5_k, .q6_k: [.int8, .fp8, .bf16]
        case .fp4, .mxfp4, .nvfp4: [.fp4, .fp8, .bf16]
        case .int4, .q4_0, .q4_1, .q2_k, .q3_k, .q4_k: [.int4, .int8, .fp8, .bf16]
        }
    }

    /// The planner's name for a ggml storage type, or nil for types it does not model (IQ types, ternary).
    public init?(ggml type: GGMLType) {
        switch type {
        case .f32: self = .fp32
        case .f16: self = .fp16
        case .bf16: self = .bf16
        case .q8_0: self = .q8_0
        case .q4_0: self = .q4_0
        case .q4_1: self = .q4_1
        case .q5_0: self = .q5_0
        case .q5_1: self = .q5_1
        case .q2_K: self = .q2_k
        case .q3_K: self = .q3_k
        case .q4_K: self = .q4_k
        case .q5_K: self = .q5_k
        case .q6_K: self = .q6_k
        case .mxfp4: self = .mxfp4
        case .nvfp4: self = .nvfp4
        case .fp8_e4m3, .fp8_e5m2: self = .fp8  // Roofline's FP8 rows (plus 4 bytes per row, negligible here)
        default: return nil
        }
    }

    /// Parses a name such as `bf16`, `fp8`, `q4_0`, `q4_k` (case-insensitive).
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
