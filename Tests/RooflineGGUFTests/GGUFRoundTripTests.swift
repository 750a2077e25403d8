import Testing
import RooflineGGUF
import RooflineTestSupport

@Suite struct GGUFRoundTripTests {
    static let allValues: [(String, GGUFValue)] = [
        ("u8", .uint8(200)), ("i8", .int8(-5)), ("u16", .uint16(60000)), ("i16", .int16(-300)),
        ("u32", .uint32(4_000_000_000)), ("i32", .int32(-70000)), ("u64", .uint64(1 << 40)), ("i64", .int64(-(1 << 40))),
        ("f32", .float32(3.25)), ("f64", .float64(-2.5e300)), ("b", .bool(true)), ("s", .string("héllo ✓")),
        ("arr", .array(.int32, [.int32(1), .int32(-2), .int32(3)])),
        ("strs", .array(.string, [.string("a"), .string(""), .string("ß")])),
        ("nested", .array(.array, [.array(.uint8, [.uint8(1), .uint8(2)]), .array(.uint8, [])])),
    ]

    @Test func metadataOfEveryTypeRoundTrips() throws {
        var w = GGUFWriter()
        for (k, v) in Self.allValues { w.set(k, v) }
        try w.addTensor(name: "t", dims: [4, 2], floats: [1, 2, 3, 4, 5, 6, 7, 8])
        let path = try Fixtures.write(w.serialize())
        let f = try GGUFFile(path: path)
        #expect(f.version == 3)
        #expect(f.metadataKeys == Self.allValues.map(\.0))
        for (k, v) in Self.allValues { #expect(f.metadata[k] == v, "key \(k)") }
        let t = try #require(f.tensor("t"))
        #expect(t.dims == [4, 2])
        #expect(t.type == .f32)
        #expect(t.fileOffset % 32 == 0)
        let data = f.data(t).assumingMemoryBound(to: Float.self)
        #expect((0..<8).map { data[$0] } == [1, 2, 3, 4, 5, 6, 7, 8])
    }

    @Test func customAlignmentIsHonoured() throws {
        var w = GGUFWriter()
        w.set("general.alignment", .uint32(64))
        try w.addTensor(name: "a", dims: [3], floats: [1, 2, 3])
        try w.addTensor(name: "b", dims: [5], floats: [1, 2, 3, 4, 5])
        let f = try GGUFFile(path: try Fixtures.write(w.serialize()))
        #expect(f.alignment == 64)
        #expect(f.tensors.allSatisfy { $0.fileOffset % 64 == 0 })
    }

    @Test func version2IsRead() throws {
        var w = GGUFWriter()
        w.version = 2
        w.set("x", .string("y"))
        let f = try GGUFFile(path: try Fixtures.write(w.serialize()))
        #expect(f.version == 2)
        #expect(try f.string("x") == "y")
    }

    @Test func typedAccessorsNameKeyAndType() throws {
        var w = GGUFWriter()
        w.set("s", .string("x"))
        let f = try GGUFFile(path: try Fixtures.write(w.serialize()))
        #expect(throws: GGUFError.missingKey("nope")) { try f.int("nope") }
        #expect(throws: GGUFError.wrongMetadataType(key: "s", expected: "an integer", found: "string")) { try f.int("s") }
    }

    @Test func writeIsAtomic() throws {
        var w = GGUFWriter()
        w.set("k", .uint8(1))
        let path = Fixtures.temporaryPath("atomic.gguf")
        try w.write(to: path)
        #expect(try GGUFFile(path: path).metadata["k"] == .uint8(1))
        // Writing into a missing directory fails with a clear error and leaves nothing behind.
        #expect(throws: GGUFError.self) { try w.write(to: "/nonexistent-dir/x.gguf") }
    }
}
