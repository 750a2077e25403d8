import CRooflineKernels
import RooflineGGUF

/// The kernel path (scalar reference or a SIMD path) the C kernels use, chosen at run time from CPU features.
public enum KernelPath: Int32, Sendable, CaseIterable, CustomStringConvertible {
    case scalar = 0
    case avx2 = 1
    case avx512vnni = 2
    /// arm64's Advanced SIMD: the Q4_0, Q4_1 and Q8_0 dot products (kernels_neon.c); the rest scalar.
    case neon = 3

    /// The best path this CPU supports.
    public static var best: KernelPath { KernelPath(rawValue: rf_cpu_best_path()) ?? .scalar }
    /// Every path this CPU can run, scalar first (x86: scalar, avx2, avx512vnni as far as the CPU goes;
    /// arm64: scalar, neon).
    public static var available: [KernelPath] { allCases.filter { rf_path_supported($0.rawValue) != 0 } }
    /// The path in force for the whole process.
    public static var current: KernelPath {
        get { KernelPath(rawValue: rf_get_path()) ?? .scalar }
        set { _ = rf_set_path(newValue.rawValue) }
    }

    public var description: String { String(cString: rf_path_name(rawValue)) }
}

/// Type traits for the tensor types the engine computes with (ggml's `type_traits_cpu`).
public enum TensorKernels {
    /// Types whose rows can be dequantized and multiplied.
    public static let supported: Set<GGMLType> = [.f32, .f16, .bf16, .q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .mxfp4, .nvfp4,
                                                  .q2_K, .q3_K, .q4_K, .q5_K, .q6_K, .fp8_e4m3, .fp8_e5m2]

    /// The activation format a weight type's dot product consumes.
    public static func activationType(for type: GGMLType) -> GGMLType? {
        let t = rf_vec_dot_type(Int32(type.rawValue))
        return t < 0 ? nil : GGMLType(rawValue: UInt32(t))
    }

    /// Dequantizes `count` elements starting at `src` (reference code).
    public static func dequantize(_ type: GGMLType, _ src: UnsafeRawPointer, into dst: UnsafeMutablePointer<Float>, count: Int) -> Bool {
        rf_dequantize_row(Int32(type.rawValue), src, dst, Int64(count)) == 0
    }

    /// Dequantizes a whole tensor of `rows` rows of `cols` elements (row by row, so row-scaled types work too).
    public static func dequantize(_ type: GGMLType, _ src: UnsafeRawPointer, rows: Int, cols: Int) -> [Float]? {
        guard let rowBytes = type.byteCount(elements: cols) else { return nil }
        var out = [Float](repeating: 0, count: rows * cols)
        let ok = out.withUnsafeMutableBufferPointer { o in
            (0..<rows).allSatisfy { dequantize(type, src + $0 * rowBytes, into: o.baseAddress! + $0 * cols, count: cols) }
        }
        return ok ? out : nil
    }

    /// Dequantizes `count` elements into a new array.
    public static func dequantize(_ type: GGMLType, _ src: UnsafeRawPointer, count: Int) -> [Float]? {
        var out = [Float](repeating: 0, count: count)
        let ok = out.withUnsafeMutableBufferPointer { dequantize(type, src, into: $0.baseAddress!, count: count) }
        return ok ? out : nil
    }

    /// Converts floats to an activation format (F32, F16, BF16, Q8_0, Q8_1, Q8_K) on the given path.
    public static func quantizeActivations(_ x: UnsafePointer<Float>, to type: GGMLType, into dst: UnsafeMutableRawPointer, count: Int, path: KernelPath = .current) {
        guard let f = rf_get_quantize(Int32(type.rawValue), path.rawValue) else { return }
        f(x, dst, Int64(count))
    }

    /// Whether `path` has a four-row kernel for `type`.
    public static func hasFourRowKernel(_ type: GGMLType, path: KernelPath) -> Bool {
        rf_get_vec_dot4(Int32(type.rawValue), path.rawValue) != nil
    }

    /// Dot products of four consecutive weight rows (`rowBytes` apart) with one activation row, using the
    /// path's four-row kernel (nil when it has none).
    public static func dot4(_ type: GGMLType, _ w: UnsafeRawPointer, rowBytes: Int, _ x: UnsafeRawPointer, count: Int, path: KernelPath) -> [Float]? {
        guard let f = rf_get_vec_dot4(Int32(type.rawValue), path.rawValue) else { return nil }
        var out = [Float](repeating: 0, count: 4)
        out.withUnsafeMutableBufferPointer { f(Int32(count), w, rowBytes, x, $0.baseAddress!) }
        return out
    }

    /// Dot products of eight consecutive weight rows (`rowBytes` apart) with one activation row, using the
    /// path's eight-row kernel (nil when it has none); equal bit for bit to two `dot4` calls.
    public static func dot8(_ type: GGMLType, _ w: UnsafeRawPointer, rowBytes: Int, _ x: UnsafeRawPointer, count: Int, path: KernelPath) -> [Float]? {
        guard let f = rf_get_vec_dot8(Int32(type.rawValue), path.rawValue) else { return nil }
        var out = [Float](repeating: 0, count: 8)
        out.withUnsafeMutableBufferPointer { f(Int32(count), w, rowBytes, x, $0.baseAddress!) }
        return out
    }

    /// Four weight rows × four activation rows (`actRowBytes` apart) with the path's tile kernel (nil when it
    /// has none); result `[c * 4 + r]`.
    public static func tile4x4(_ type: GGMLType, _ w: UnsafeRawPointer, rowBytes: Int, _ x: UnsafeRawPointer, actRowBytes: Int, count: Int, path: KernelPath) -> [Float]? {
        guard let f = rf_get_tile4x4(Int32(type.rawValue), path.rawValue) else { return nil }
        var out = [Float](repeating: 0, count: 16)
        out.withUnsafeMutableBufferPointer { f(Int32(count), w, rowBytes, x, actRowBytes, $0.baseAddress!, 4) }
        return out
    }

    /// `out[m * rows + r]` = weight row r · activation row m through `rf_matmul` (every kernel the path has
    /// for this shape: eight-column, 4×4 tile, four-row, one-row) with a pool of `threads` made for the call.
    /// `x` holds `nX` rows in `activationType(for: type)`, `actRowBytes` apart. For tests and tools.
    public static func matmul(_ type: GGMLType, _ w: UnsafeRawPointer, rows: Int, _ x: UnsafeRawPointer, actRowBytes: Int, nX: Int, count: Int, threads: Int = 1, path: KernelPath) -> [Float] {
        var out = [Float](repeating: .nan, count: rows * nX)
        guard let pool = rf_pool_create(Int32(max(1, threads))) else { return out }
        defer { rf_pool_destroy(pool) }
        out.withUnsafeMutableBufferPointer {
            rf_matmul(pool, w, Int32(type.rawValue), Int64(count), Int64(rows), x, Int64(actRowBytes), Int64(nX), $0.baseAddress!, Int64(rows), path.rawValue)
        }
        return out
    }

    /// Dot product of a weight row (`type`) with activations already in `activationType(for: type)`.
    public static func dot(_ type: GGMLType, _ w: UnsafeRawPointer, _ x: UnsafeRawPointer, count: Int, path: KernelPath = .current) -> Float {
        guard let f = rf_get_vec_dot(Int32(type.rawValue), path.rawValue) else { return .nan }
        return f(Int32(count), w, x)
    }
}

/// Half-precision helpers (IEEE binary16 and bfloat16), round to nearest even.
public enum Half {
    public static func toFloat(_ h: UInt16) -> Float { rf_fp16_to_fp32(h) }
    public static func fromFloat(_ f: Float) -> UInt16 { rf_fp32_to_fp16(f) }
    public static func bf16ToFloat(_ h: UInt16) -> Float { rf_bf16_to_fp32(h) }
    public static func bf16FromFloat(_ f: Float) -> UInt16 { rf_fp32_to_bf16(f) }
}
