/// A ggml tensor type as stored in GGUF files, with the ids and block layout of
/// ggml (`ggml/include/ggml.h`, `ggml_type_traits` in `ggml/src/ggml.c`).
public enum GGMLType: UInt32, Sendable, CaseIterable, CustomStringConvertible {
    case f32 = 0, f16 = 1, q4_0 = 2, q4_1 = 3, q5_0 = 6, q5_1 = 7, q8_0 = 8, q8_1 = 9
    case q2_K = 10, q3_K = 11, q4_K = 12, q5_K = 13, q6_K = 14, q8_K = 15
    case iq2_xxs = 16, iq2_xs = 17, iq3_xxs = 18, iq1_s = 19, iq4_nl = 20, iq3_s = 21, iq2_s = 22, iq4_xs = 23
    case i8 = 24, i16 = 25, i32 = 26, i64 = 27, f64 = 28, iq1_m = 29, bf16 = 30
    case tq1_0 = 34, tq2_0 = 35, mxfp4 = 39, nvfp4 = 40, q1_0 = 41, q2_0 = 42
    /// Roofline's own FP8 rows, outside ggml's ids (llama.cpp cannot load them): each row is a float32 scale
    /// followed by one E4M3FN / E5M2 code per element (docs/quantization.md, "FP8").
    case fp8_e4m3 = 1000, fp8_e5m2 = 1001

    /// Elements per block.
    public var blockSize: Int {
        switch self {
        case .f32, .f16, .bf16, .i8, .i16, .i32, .i64, .f64, .fp8_e4m3, .fp8_e5m2: return 1
        case .q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q8_1, .iq4_nl, .mxfp4: return 32
        case .nvfp4, .q2_0: return 64
        case .q1_0: return 128
        default: return 256
        }
    }

    /// Bytes per block.
    public var typeSize: Int {
        switch self {
        case .f32: return 4
        case .f16, .bf16: return 2
        case .i8, .fp8_e4m3, .fp8_e5m2: return 1  // FP8: plus rowScaleBytes per row
        case .i16: return 2
        case .i32: return 4
        case .i64, .f64: return 8
        case .q4_0: return 18      // f16 d + 16 nibbles: 4.5 bpw
        case .q4_1: return 20      // f16 d, f16 m + 16 nibbles: 5.0 bpw
        case .q5_0: return 22
        case .q5_1: return 24
        case .q8_0: return 34      // f16 d + 32 int8: 8.5 bpw
        case .q8_1: return 36
        case .q2_K: return 84
        case .q3_K: return 110
        case .q4_K: return 144
        case .q5_K: return 176
        case .q6_K: return 210
        case .q8_K: return 292
        case .iq2_xxs: return 66
        case .iq2_xs: return 74
        case .iq3_xxs: return 98
        case .iq1_s: return 50
        case .iq4_nl: return 18
        case .iq3_s: return 110
        case .iq2_s: return 82
        case .iq4_xs: return 136
        case .iq1_m: return 56
        case .tq1_0: return 54
        case .tq2_0: return 66
        case .mxfp4: return 17
        case .nvfp4: return 36
        case .q1_0: return 18
        case .q2_0: return 18
        }
    }

    /// Bits per weight, including block scales.
    public var bitsPerWeight: Double { Double(typeSize * 8) / Double(blockSize) }

    /// The name as ggml spells it (`Q4_1`, `F32`, `MXFP4`).
    public var name: String {
        switch self {
        case .f32: "F32"
        case .f16: "F16"
        case .q4_0: "Q4_0"
        case .q4_1: "Q4_1"
        case .q5_0: "Q5_0"
        case .q5_1: "Q5_1"
        case .q8_0: "Q8_0"
        case .q8_1: "Q8_1"
        case .q2_K: "Q2_K"
        case .q3_K: "Q3_K"
        case .q4_K: "Q4_K"
        case .q5_K: "Q5_K"
        case .q6_K: "Q6_K"
        case .q8_K: "Q8_K"
        case .iq2_xxs: "IQ2_XXS"
        case .iq2_xs: "IQ2_XS"
        case .iq3_xxs: "IQ3_XXS"
        case .iq1_s: "IQ1_S"
        case .iq4_nl: "IQ4_NL"
        case .iq3_s: "IQ3_S"
        case .iq2_s: "IQ2_S"
        case .iq4_xs: "IQ4_XS"
        case .i8: "I8"
        case .i16: "I16"
        case .i32: "I32"
        case .i64: "I64"
        case .f64: "F64"
        case .iq1_m: "IQ1_M"
        case .bf16: "BF16"
        case .tq1_0: "TQ1_0"
        case .tq2_0: "TQ2_0"
        case .mxfp4: "MXFP4"
        case .nvfp4: "NVFP4"
        case .q1_0: "Q1_0"
        case .q2_0: "Q2_0"
        case .fp8_e4m3: "FP8_E4M3"
        case .fp8_e5m2: "FP8_E5M2"
        }
    }

    public var description: String { name }

    /// Parses a type name in any case (`q4_k`, `Q8_0`, `bf16`).
    public init?(name: String) {
        let lower = name.lowercased()
        guard let match = GGMLType.allCases.first(where: { $0.name.lowercased() == lower }) else { return nil }
        self = match
    }

    /// Byte size of `elements` values of this type, or nil when `elements` is not a whole number of blocks
    /// or the size overflows. For the row-scaled FP8 types `elements` is one row (its scale included); use
    /// `byteCount(dims:)` for whole tensors.
    public func byteCount(elements: Int) -> Int? {
        guard elements >= 0, elements % blockSize == 0 else { return nil }
        let (bytes, overflow) = (elements / blockSize).multipliedReportingOverflow(by: typeSize)
        return overflow ? nil : bytes + rowScaleBytes
    }

    /// Bytes each row carries besides its elements: the float32 scale of Roofline's FP8 rows, 0 for ggml types.
    public var rowScaleBytes: Int { self == .fp8_e4m3 || self == .fp8_e5m2 ? 4 : 0 }

    /// Whether the type is Roofline's own (not in ggml, so llama.cpp cannot load a file holding it).
    public var isRooflineOnly: Bool { rawValue >= 1000 }

    /// Byte size of a tensor of `dims` (ggml order, row length first), or nil when rows are not whole blocks
    /// or the size overflows.
    public func byteCount(dims: [Int]) -> Int? {
        guard let first = dims.first, let row = byteCount(elements: first) else { return nil }
        let (bytes, overflow) = dims.dropFirst().reduce(1, *).multipliedReportingOverflow(by: row)
        return overflow ? nil : bytes
    }
}

