import CRooflineKernels

/// The 8- and 4-bit element formats of FP8/FP4 weights and block scales, converted exactly as the
/// `ml_dtypes` package converts them (decode every code; encode a Float with its rounding, overflow and NaN
/// rules). The conversions live in the C target (minifloat.c).
public enum MiniFloat: String, Sendable, CaseIterable {
    /// FP8 E4M3 "fn": no infinities, ±448 max, 0x7F/0xFF NaN.
    case e4m3fn = "float8_e4m3fn"
    /// FP8 E5M2: IEEE-like, with infinities.
    case e5m2 = "float8_e5m2"
    /// FP4 E2M1: ±{0, 0.5, 1, 1.5, 2, 3, 4, 6}, no NaN or infinities (4-bit codes).
    case e2m1fn = "float4_e2m1fn"
    /// E8M0 scale: an unsigned power of two 2^-127...2^127, 0xFF NaN.
    case e8m0fnu = "float8_e8m0fnu"

    /// Number of distinct codes (16 for E2M1, else 256).
    public var codeCount: Int { self == .e2m1fn ? 16 : 256 }

    public func decode(_ code: UInt8) -> Float {
        switch self {
        case .e4m3fn: rf_fp8_e4m3fn_to_fp32(code)
        case .e5m2: rf_fp8_e5m2_to_fp32(code)
        case .e2m1fn: rf_fp4_e2m1fn_to_fp32(code)
        case .e8m0fnu: rf_e8m0_to_fp32(code)
        }
    }

    public func encode(_ x: Float) -> UInt8 {
        switch self {
        case .e4m3fn: rf_fp32_to_fp8_e4m3fn(x)
        case .e5m2: rf_fp32_to_fp8_e5m2(x)
        case .e2m1fn: rf_fp32_to_fp4_e2m1fn(x)
        case .e8m0fnu: rf_fp32_to_e8m0(x)
        }
    }
}
