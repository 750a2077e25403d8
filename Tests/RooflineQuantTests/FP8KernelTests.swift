import Foundation
import Testing
import RooflineGGUF
import RooflineQuant
import RooflineTestSupport

/// Roofline's FP8 rows (a float32 scale, then one E4M3FN / E5M2 code per element): the dequantizer against
/// ml_dtypes' decoding (MiniFloat) times the scale, every kernel path against a double-precision sum and the
/// scalar reference on awkward lengths, the row quantizer's rounding, and GGUF files holding such tensors.
@Suite struct FP8KernelTests {
    static let types: [GGMLType] = [.fp8_e4m3, .fp8_e5m2]
    static let sizes = [1, 7, 16, 31, 32, 33, 63, 64, 65, 100, 129, 576, 1000]

    static func format(_ t: GGMLType) -> MiniFloat { t == .fp8_e4m3 ? .e4m3fn : .e5m2 }
    /// NaN codes (and E5M2's infinities), which the importer refuses and the quantizer never writes.
    static func isSpecial(_ c: UInt8, _ t: GGMLType) -> Bool { t == .fp8_e4m3 ? c & 0x7F == 0x7F : c & 0x7C == 0x7C }

    /// `rows` random rows of `n` finite codes with random positive scales.
    static func randomRows(_ t: GGMLType, rows: Int, n: Int, rng: inout TestRandom) -> [UInt8] {
        var out: [UInt8] = []
        for _ in 0..<rows {
            let scale = Float(0.001 + Double(rng.next() % 1000) / 1e5)
            withUnsafeBytes(of: scale.bitPattern.littleEndian) { out.append(contentsOf: $0) }
            for _ in 0..<n {
                var c = UInt8(truncatingIfNeeded: rng.next())
                while isSpecial(c, t) { c = UInt8(truncatingIfNeeded: rng.next()) }
                out.append(c)
            }
        }
        return out
    }

    @Test(arguments: types) func rowLayoutAndDequantizer(type: GGMLType) throws {
        #expect(type.byteCount(elements: 576) == 580)
        #expect(type.byteCount(dims: [576, 3]) == 3 * 580)
        #expect(type.isRooflineOnly && !GGMLType.q8_0.isRooflineOnly)
        #expect(GGMLType(name: type.name.lowercased()) == type)
        var rng = TestRandom(seed: 7)
        let row = Self.randomRows(type, rows: 1, n: 256, rng: &rng)
        let scale = Float(bitPattern: row.withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) })
        let values = try #require(row.withUnsafeBytes { TensorKernels.dequantize(type, $0.baseAddress!, count: 256) })
        for i in 0..<256 { #expect(values[i] == Self.format(type).decode(row[4 + i]) * scale, "element \(i)") }
    }

    @Test(arguments: types, sizes) func everyPathMatchesTheExactSum(type: GGMLType, n: Int) throws {
        var rng = TestRandom(seed: UInt64(n) * 131 + UInt64(type.rawValue))
        let w = Self.randomRows(type, rows: 1, n: n, rng: &rng)
        let x = rng.floats(n, scale: 3)
        #expect(TensorKernels.activationType(for: type) == .f32)
        let deq = try #require(w.withUnsafeBytes { TensorKernels.dequantize(type, $0.baseAddress!, count: n) })
        let exact = zip(deq, x).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        let magnitude = zip(deq, x).reduce(0.0) { $0 + abs(Double($1.0) * Double($1.1)) }
        let ref = w.withUnsafeBytes { wp in x.withUnsafeBytes { TensorKernels.dot(type, wp.baseAddress!, $0.baseAddress!, count: n, path: .scalar) } }
        for path in KernelPath.available {
            let got = w.withUnsafeBytes { wp in x.withUnsafeBytes { TensorKernels.dot(type, wp.baseAddress!, $0.baseAddress!, count: n, path: path) } }
            // float32 sums of n products: within n * 2^-24 of the sum of magnitudes (a loose, honest bound).
            let bound = magnitude * Double(n + 2) * 0x1p-24 + 1e-30
            #expect(abs(Double(got) - exact) <= bound, "\(type) n=\(n) \(path): \(got) vs \(exact)")
            #expect(abs(Double(got) - Double(ref)) <= 2 * bound, "\(type) n=\(n) \(path) vs scalar: \(got) vs \(ref)")
        }
    }

    /// rf_matmul (four-row, 4×4 tile and one-row kernels) on every path: each result within float rounding of the
    /// scalar reference, and a column's results the same bit for bit whatever the batch around it.
    @Test(arguments: types) func matmulOnEveryPathIsBatchInvariant(type: GGMLType) throws {
        let rows = 9, n = 100, nX = 10
        var rng = TestRandom(seed: 99)
        let w = Self.randomRows(type, rows: rows, n: n, rng: &rng)
        let x = rng.floats(n * nX)
        let rowBytes = try #require(type.byteCount(elements: n))
        for path in KernelPath.available {
            let y = w.withUnsafeBytes { wp in x.withUnsafeBytes {
                TensorKernels.matmul(type, wp.baseAddress!, rows: rows, $0.baseAddress!, actRowBytes: 4 * n, nX: nX, count: n, threads: 2, path: path)
            } }
            for m in 0..<nX {
                let alone = w.withUnsafeBytes { wp in x.withUnsafeBytes {
                    TensorKernels.matmul(type, wp.baseAddress!, rows: rows, $0.baseAddress! + 4 * n * m, actRowBytes: 4 * n, nX: 1, count: n, threads: 1, path: path)
                } }
                for r in 0..<rows {
                    #expect(y[m * rows + r] == alone[r], "\(type) \(path) row \(r) column \(m): batched vs alone")
                    let ref = w.withUnsafeBytes { wp in x.withUnsafeBytes {
                        TensorKernels.dot(type, wp.baseAddress! + r * rowBytes, $0.baseAddress! + 4 * n * m, count: n, path: .scalar)
                    } }
                    #expect(abs(y[m * rows + r] - ref) <= 1e-4 * max(1, abs(ref)), "\(type) \(path) row \(r) column \(m)")
                }
            }
        }
    }

    /// The four-row and tile kernels against the scalar reference on every length.
    @Test(arguments: types, sizes) func multiRowKernelsMatchScalar(type: GGMLType, n: Int) throws {
        var rng = TestRandom(seed: UInt64(n) * 17 + UInt64(type.rawValue))
        let w = Self.randomRows(type, rows: 4, n: n, rng: &rng)
        let x = rng.floats(4 * n, scale: 2)
        let rowBytes = try #require(type.byteCount(elements: n))
        for path in KernelPath.available where TensorKernels.hasFourRowKernel(type, path: path) {
            let tile = try #require(w.withUnsafeBytes { wp in x.withUnsafeBytes {
                TensorKernels.tile4x4(type, wp.baseAddress!, rowBytes: rowBytes, $0.baseAddress!, actRowBytes: 4 * n, count: n, path: path)
            } })
            for c in 0..<4 {
                let four = try #require(w.withUnsafeBytes { wp in x.withUnsafeBytes {
                    TensorKernels.dot4(type, wp.baseAddress!, rowBytes: rowBytes, $0.baseAddress! + 4 * n * c, count: n, path: path)
                } })
                for r in 0..<4 {
                    let ref = w.withUnsafeBytes { wp in x.withUnsafeBytes {
                        TensorKernels.dot(type, wp.baseAddress! + r * rowBytes, $0.baseAddress! + 4 * n * c, count: n, path: .scalar)
                    } }
                    let deq = try #require(w.withUnsafeBytes { TensorKernels.dequantize(type, $0.baseAddress! + r * rowBytes, count: n) })
                    let magnitude = (0..<n).reduce(0.0) { $0 + abs(Double(deq[$1]) * Double(x[c * n + $1])) }
                    #expect(abs(Double(four[r]) - Double(ref)) <= magnitude * Double(2 * n + 4) * 0x1p-24 + 1e-30, "\(type) n=\(n) \(path) four-row r\(r) c\(c)")
                    #expect(tile[c * 4 + r] == four[r], "\(type) n=\(n) \(path) tile r\(r) c\(c)")
                }
            }
        }
        if KernelPath.available.contains(.avx2) { #expect(TensorKernels.hasFourRowKernel(type, path: .avx2)) }
    }

    /// Quantizing a row: scale = amax / largest code, the largest magnitude lands on it exactly, and every code is
    /// ml_dtypes' rounding of x / scale.
    @Test(arguments: types) func rowQuantizerRoundsAsMlDtypes(type: GGMLType) throws {
        var rng = TestRandom(seed: 5)
        let n = 200, rows = 3
        var values = rng.floats(n * rows, scale: 0.05)
        values[n + 17] = -0.9  // one row with a far larger value: its small values fall into subnormals
        let bytes = try Quantizer.quantize(values, to: type, rowLength: n)
        #expect(bytes.count == rows * (4 + n))
        let fmax: Float = type == .fp8_e4m3 ? 448 : 57344
        for r in 0..<rows {
            let row = Array(values[r * n..<(r + 1) * n])
            let amax = row.map(abs).max()!
            let scale = Float(bitPattern: bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: r * (4 + n), as: UInt32.self) })
            #expect(scale == amax / fmax)
            for i in 0..<n {
                let code = bytes[r * (4 + n) + 4 + i]
                #expect(code == Self.format(type).encode(max(-fmax, min(fmax, row[i] / scale))), "row \(r) element \(i)")
                if abs(row[i]) == amax { #expect(abs(Self.format(type).decode(code)) == fmax) }
            }
        }
        #expect(throws: Quantizer.Error.nonFinite(index: 3)) { try Quantizer.quantize([1, 2, 3, .nan], to: type, rowLength: 4) }
    }

    /// A GGUF file with FP8 tensors: sizes from the row layout, the data read back as written.
    @Test func ggufRoundTrip() throws {
        var rng = TestRandom(seed: 3)
        let rows = Self.randomRows(.fp8_e4m3, rows: 5, n: 36, rng: &rng)
        var w = GGUFWriter()
        w.set("general.architecture", .string("llama"))
        if let note = GGMLType.rooflineTypesNote([.fp8_e4m3, .f32]) { w.set(GGMLType.rooflineTypesKey, note) }
        try w.addTensor(name: "a.weight", dims: [36, 5], type: .fp8_e4m3, data: rows)
        try w.addTensor(name: "b.weight", dims: [3], type: .f32, data: [UInt8](repeating: 0, count: 12))
        #expect(throws: GGUFError.self) { try w.addTensor(name: "c.weight", dims: [36, 5], type: .fp8_e4m3, data: Array(rows.dropLast())) }
        let f = try GGUFFile(path: try Fixtures.write(w.serialize(), name: "fp8.gguf"))
        let t = try #require(f.tensor("a.weight"))
        #expect(t.type == .fp8_e4m3 && t.byteCount == rows.count && t.rowByteCount == 40)
        #expect(Array(UnsafeRawBufferPointer(start: f.data(t), count: t.byteCount)) == rows)
        #expect(f.metadata[GGMLType.rooflineTypesKey] != nil)
        #expect(GGMLType.rooflineTypesNote([.f32, .q8_0]) == nil)
    }
}
