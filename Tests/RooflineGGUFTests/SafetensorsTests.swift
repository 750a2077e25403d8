import Foundation
import Testing
import RooflineGGUF
import RooflineTestSupport

/// The safetensors reader against files written by the format's reference implementation (the `safetensors`
/// PyPI package, scripts/reference/make_safetensors_fixture.py), and every malformed case.
@Suite struct SafetensorsTests {
    struct Expected: Decodable {
        struct Tensor: Decodable { let shape: [Int]; let values: [Double]; let dtype: String }
        let small: [String: Tensor]
        let metadata: [String: String]
        let sharded: [String: Tensor]
    }

    func check(_ t: SafetensorsTensor, in file: SafetensorsFile, against e: Expected.Tensor) {
        #expect(t.shape == e.shape, "\(t.name) shape")
        if t.dtype == .f8e4m3 || t.dtype == .f8e5m2 {
            #expect(file.floats(t) == nil)
            return
        }
        let got = file.floats(t) ?? []
        #expect(got.count == e.values.count, "\(t.name) count")
        for (g, w) in zip(got, e.values) { #expect(g == Float(w), "\(t.name): \(g) vs \(w)") }
    }

    @Test func readsTheReferenceFile() throws {
        let e = try Fixtures.decode(Expected.self, "safetensors/expected.json")
        let f = try SafetensorsFile(path: Fixtures.url("safetensors/small.safetensors").path)
        #expect(f.metadata == e.metadata)
        #expect(Set(f.names) == Set(e.small.keys))
        let dtypes: [String: SafetensorsDType] = ["float32": .f32, "float16": .f16, "bfloat16": .bf16, "int8": .i8, "uint8": .u8,
                                                  "int64": .i64, "bool": .bool, "float64": .f64, "float8_e4m3fn": .f8e4m3]
        for (name, want) in e.small {
            let t = try #require(f.tensors[name])
            #expect(t.dtype == dtypes[want.dtype], "\(name): \(t.dtype) for numpy \(want.dtype)")
            check(t, in: f, against: want)
        }
    }

    @Test func readsAShardedCheckpoint() throws {
        let e = try Fixtures.decode(Expected.self, "safetensors/expected.json")
        let c = try SafetensorsCheckpoint(folder: Fixtures.url("safetensors/sharded").path)
        #expect(c.files.count == 2)
        #expect(c.names == e.sharded.keys.sorted())
        for (name, want) in e.sharded {
            let (t, f) = try #require(c.tensor(name))
            check(t, in: f, against: want)
        }
        #expect(c.tensor("nope") == nil)
    }

    /// A file from a header dictionary and data bytes, written as the format lays it out.
    func file(_ header: String, data: [UInt8], declaredLength: UInt64? = nil) throws -> String {
        let h = Array(header.utf8)
        var bytes = withUnsafeBytes(of: (declaredLength ?? UInt64(h.count)).littleEndian) { Array($0) }
        bytes += h + data
        return try Fixtures.write(bytes, name: "bad.safetensors")
    }

    @Test func malformedFilesAreClearErrors() throws {
        let ok = #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#
        let eight = [UInt8](repeating: 0, count: 8)
        _ = try SafetensorsFile(path: try file(ok, data: eight))  // the well-formed baseline

        func expectError(_ header: String, data: [UInt8], declared: UInt64? = nil, _ match: (SafetensorsError) -> Bool) throws {
            let path = try file(header, data: data, declaredLength: declared)
            #expect { try SafetensorsFile(path: path) } throws: { ($0 as? SafetensorsError).map(match) ?? false }
        }
        try expectError(ok, data: Array(eight.prefix(5))) { if case .truncated = $0 { true } else { false } }
        try expectError(ok, data: eight + [0]) { if case .invalidHeader(_, let r) = $0 { r.contains("after the last tensor") } else { false } }
        try expectError(ok, data: eight, declared: 1 << 40) { if case .headerTooLarge = $0 { true } else { false } }
        try expectError(ok, data: eight, declared: 4000) { if case .truncated = $0 { true } else { false } }
        try expectError("[1,2]", data: []) { if case .invalidHeader(_, let r) = $0 { r.contains("'{'") } else { false } }
        try expectError("{nope", data: []) { if case .invalidHeader(_, let r) = $0 { r.contains("JSON") } else { false } }
        try expectError(#"{"a":{"dtype":"F48","shape":[2],"data_offsets":[0,8]}}"#, data: eight) { $0 == .unknownDType(path: $0.path, name: "a", dtype: "F48") }
        try expectError(#"{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, data: eight) { if case .invalidTensor(_, "a", let r) = $0 { r.contains("needs 12 bytes") } else { false } }
        try expectError(#"{"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}"#, data: eight) { if case .invalidTensor(_, "a", let r) = $0 { r.contains("shape") } else { false } }
        try expectError(#"{"a":{"dtype":"F32","shape":[2.5],"data_offsets":[0,8]}}"#, data: eight) { if case .invalidTensor(_, "a", let r) = $0 { r.contains("shape") } else { false } }
        try expectError(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}}"#, data: eight) { if case .invalidTensor(_, "a", let r) = $0 { r.contains("data_offsets") } else { false } }
        try expectError(#"{"a":{"shape":[2],"data_offsets":[0,8]}}"#, data: eight) { if case .invalidTensor(_, "a", let r) = $0 { r.contains("dtype") } else { false } }
        try expectError(#"{"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},"b":{"dtype":"U8","shape":[4],"data_offsets":[2,6]}}"#, data: eight) {
            if case .invalidTensor(_, "b", let r) = $0 { r.contains("overlap") } else { false }
        }
        try expectError(#"{"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},"b":{"dtype":"U8","shape":[4],"data_offsets":[4,8]}}"#, data: eight) {
            if case .invalidTensor(_, "b", let r) = $0 { r.contains("gap") } else { false }
        }
        try expectError(#"{"__metadata__":{"k":5},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, data: eight) {
            if case .invalidHeader(_, let r) = $0 { r.contains("__metadata__") } else { false }
        }
        #expect(throws: SafetensorsError.self) { try SafetensorsFile(path: "/nonexistent/x.safetensors") }
        let empty = NSTemporaryDirectory() + "roofline-empty-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: empty) }
        #expect(throws: SafetensorsError.noWeights(folder: empty)) { try SafetensorsCheckpoint(folder: empty) }
    }
}

extension SafetensorsError {
    var path: String {
        switch self {
        case .cannotOpen(let p, _), .truncated(let p, _, _), .headerTooLarge(let p, _, _), .invalidHeader(let p, _),
             .invalidTensor(let p, _, _), .unknownDType(let p, _, _): p
        case .missingTensor(_, let f), .noWeights(let f): f
        }
    }
}
