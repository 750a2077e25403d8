import CRooflineKernels
import RooflineGGUF

/// Reference quantizers for weight tensors, byte-compatible with ggml's `quantize_row_*_ref`
/// (ggml/src/ggml-quants.c) and so with `gguf.quants.quantize`.
public enum Quantizer {
    public static let supported: Set<GGMLType> = [.f32, .f16, .bf16, .q8_0, .q4_0, .q4_1, .q5_0, .q5_1, .mxfp4, .nvfp4,
                                                  .q2_K, .q3_K, .q4_K, .q5_K, .q6_K, .fp8_e4m3, .fp8_e5m2]

    public enum Error: Swift.Error, CustomStringConvertible, Equatable {
        case unsupportedType(GGMLType)
        case notBlockMultiple(count: Int, type: GGMLType)
        case nonFinite(index: Int)
        public var description: String {
            switch self {
            case .unsupportedType(let t): "quantizing to \(t) is not supported yet"
            case .notBlockMultiple(let n, let t): "\(n) values are not a whole number of \(t) blocks of \(t.blockSize)"
            case .nonFinite(let i): "value #\(i) is NaN or infinite"
            }
        }
    }

    /// Quantizes `values` (a whole number of blocks) to `type`. The row-scaled FP8 types need `rowLength`
    /// (a scale per row of that many values: amax / the largest finite code); other types ignore it.
    public static func quantize(_ values: [Float], to type: GGMLType, rowLength: Int? = nil) throws(Error) -> [UInt8] {
        guard supported.contains(type) else { throw .unsupportedType(type) }
        if type.rowScaleBytes > 0 { return try quantizeRows(values, to: type, rowLength: rowLength ?? values.count) }
        guard values.count % type.blockSize == 0 else { throw .notBlockMultiple(count: values.count, type: type) }
        if type != .f32 && type != .f16 && type != .bf16, let bad = values.firstIndex(where: { !$0.isFinite }) {
            throw .nonFinite(index: bad)
        }
        var out: [UInt8] = []
        out.reserveCapacity(type.byteCount(elements: values.count) ?? 0)
        switch type {
        case .f32: for v in values { append(&out, v.bitPattern) }
        case .f16: for v in values { append(&out, Half.fromFloat(v)) }
        case .bf16: for v in values { append(&out, Half.bf16FromFloat(v)) }
        case .q8_0:
            for b in stride(from: 0, to: values.count, by: 32) {
                let x = values[b..<b + 32]
                let amax = x.reduce(Float(0)) { max($0, abs($1)) }
                let d = amax / 127
                let id: Float = d != 0 ? 1 / d : 0
                append(&out, Half.fromFloat(d))
                for v in x { out.append(UInt8(bitPattern: Int8((v * id).rounded()))) }
            }
        case .q4_0:
            for b in stride(from: 0, to: values.count, by: 32) {
                let x = Array(values[b..<b + 32])
                var amax: Float = 0, mx: Float = 0
                for v in x where abs(v) > amax { amax = abs(v); mx = v }
                let d = mx / -8
                let id: Float = d != 0 ? 1 / d : 0
                append(&out, Half.fromFloat(d))
                for j in 0..<16 {
                    let q0 = min(15, Int8(truncatingIfNeeded: Int(x[j] * id + 8.5)))
                    let q1 = min(15, Int8(truncatingIfNeeded: Int(x[j + 16] * id + 8.5)))
                    out.append(UInt8(q0) | UInt8(q1) << 4)
                }
            }
        case .q4_1:
            for b in stride(from: 0, to: values.count, by: 32) {
                let x = Array(values[b..<b + 32])
                var lo = Float.greatestFiniteMagnitude, hi = -Float.greatestFiniteMagnitude
                for v in x { lo = min(lo, v); hi = max(hi, v) }
                let d = (hi - lo) / 15
                let id: Float = d != 0 ? 1 / d : 0
                append(&out, Half.fromFloat(d))
                append(&out, Half.fromFloat(lo))
                for j in 0..<16 {
                    let q0 = min(15, Int8(truncatingIfNeeded: Int((x[j] - lo) * id + 0.5)))
                    let q1 = min(15, Int8(truncatingIfNeeded: Int((x[j + 16] - lo) * id + 0.5)))
                    out.append(UInt8(q0) | UInt8(q1) << 4)
                }
            }
        default:
            // Q5_0, Q5_1, MXFP4, NVFP4 and the K-quants: ggml's quantize_row_*_ref in the C target.
            guard let f = rf_get_weight_quantize(Int32(type.rawValue)), let size = type.byteCount(elements: values.count) else {
                throw .unsupportedType(type)
            }
            out = [UInt8](repeating: 0, count: size)
            values.withUnsafeBufferPointer { v in out.withUnsafeMutableBytes { f(v.baseAddress!, $0.baseAddress!, Int64(values.count)) } }
        }
        return out
    }

    /// FP8 rows: each row's scale, then its codes (rf_quantize_row_fp8_*_ref).
    static func quantizeRows(_ values: [Float], to type: GGMLType, rowLength k: Int) throws(Error) -> [UInt8] {
        guard k > 0, values.count % k == 0 else { throw .notBlockMultiple(count: values.count, type: type) }
        if let bad = values.firstIndex(where: { !$0.isFinite }) { throw .nonFinite(index: bad) }
        guard let f = rf_get_weight_quantize(Int32(type.rawValue)), let rowBytes = type.byteCount(elements: k) else {
            throw .unsupportedType(type)
        }
        let rows = values.count / k
        var out = [UInt8](repeating: 0, count: rows * rowBytes)
        values.withUnsafeBufferPointer { v in
            out.withUnsafeMutableBytes { o in
                for r in 0..<rows { f(v.baseAddress! + r * k, o.baseAddress! + r * rowBytes, Int64(k)) }
            }
        }
        return out
    }

    private static func append<T: FixedWidthInteger>(_ out: inout [UInt8], _ v: T) {
        withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) }
    }
}
