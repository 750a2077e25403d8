import Testing
import RooflineGGUF
import RooflineTestSupport

/// Every way a GGUF file can be broken gives a typed error, never a crash.
@Suite struct GGUFMalformedTests {
    func sample() throws -> [UInt8] {
        var w = GGUFWriter()
        w.set("general.architecture", .string("llama"))
        w.set("list", .array(.string, [.string("a"), .string("bc")]))
        try w.addTensor(name: "w", dims: [32, 2], type: .q8_0, data: [UInt8](repeating: 0, count: 68))
        try w.addTensor(name: "v", dims: [8], floats: [Float](repeating: 1, count: 8))
        return w.serialize()
    }

    func parse(_ bytes: [UInt8]) throws(GGUFError) -> GGUFFile {
        let path: String
        do { path = try Fixtures.write(bytes) } catch { fatalError("cannot write temp file") }
        return try GGUFFile(path: path)
    }

    /// Offset of the first tensor info (right after the metadata).
    func tensorInfoOffset(_ b: [UInt8]) throws -> Int {
        // Find the name "w" preceded by its u64 length 1, after the metadata.
        let needle: [UInt8] = [1, 0, 0, 0, 0, 0, 0, 0, UInt8(ascii: "w")]
        for i in 24..<(b.count - needle.count) where Array(b[i..<i + needle.count]) == needle { return i }
        throw GGUFError.missingTensor("w")
    }

    @Test func badMagic() throws {
        var b = try sample()
        b[0] = UInt8(ascii: "X")
        #expect { try parse(b) } throws: { e in
            guard case GGUFError.badMagic = e else { return false }
            return "\(e)".contains("not a GGUF file")
        }
    }

    @Test(arguments: [UInt32(1), 4, 99])
    func unsupportedVersion(version: UInt32) throws {
        var b = try sample()
        withUnsafeBytes(of: version.littleEndian) { for i in 0..<4 { b[4 + i] = $0[i] } }
        #expect(throws: GGUFError.unsupportedVersion(version)) { try parse(b) }
    }

    @Test func everyTruncationFailsCleanly() throws {
        let b = try sample()
        for n in 0..<b.count - 1 {
            #expect(throws: GGUFError.self, "truncated to \(n) bytes") { try parse(Array(b[0..<n])) }
        }
    }

    @Test func hugeTensorCount() throws {
        var b = try sample()
        for i in 8..<16 { b[i] = 0xFF }
        #expect { try parse(b) } throws: { e in
            if case GGUFError.countTooLarge(let field, _, _) = e { return field == "tensor count" }
            return false
        }
    }

    @Test func hugeStringLength() throws {
        var b = try sample()
        // First key's length field sits at offset 24.
        for i in 24..<32 { b[i] = 0xFF }
        #expect { try parse(b) } throws: { e in
            if case GGUFError.countTooLarge = e { return true }
            return false
        }
    }

    @Test func unknownValueType() throws {
        var b = try sample()
        let keyLen = Int(b[24])
        b[32 + keyLen] = 77
        #expect(throws: GGUFError.unknownValueType(key: "general.architecture", rawType: 77)) { try parse(b) }
    }

    @Test func unknownTensorType() throws {
        var b = try sample()
        let off = try tensorInfoOffset(b)
        let typeAt = off + 9 + 4 + 16  // name, n_dims, 2 dims
        b[typeAt] = 250
        #expect(throws: GGUFError.unknownTensorType(tensor: "w", rawType: 250)) { try parse(b) }
    }

    @Test func tooManyDimensions() throws {
        var b = try sample()
        let off = try tensorInfoOffset(b)
        b[off + 9] = 9
        #expect(throws: GGUFError.tooManyDimensions(tensor: "w", count: 9)) { try parse(b) }
    }

    @Test func zeroDimension() throws {
        var b = try sample()
        let off = try tensorInfoOffset(b)
        for i in 0..<8 { b[off + 13 + i] = 0 }
        #expect(throws: GGUFError.invalidDimension(tensor: "w", index: 0, value: 0)) { try parse(b) }
    }

    @Test func dimensionProductOverflows() throws {
        var b = try sample()
        let off = try tensorInfoOffset(b)
        // dims = [2^32, 2^32]
        for (d, base) in [(0, off + 13), (1, off + 21)] {
            _ = d
            for i in 0..<8 { b[base + i] = 0 }
            b[base + 4] = 1
        }
        #expect(throws: GGUFError.elementCountOverflow(tensor: "w")) { try parse(b) }
    }

    @Test func rowNotBlockAligned() throws {
        var b = try sample()
        let off = try tensorInfoOffset(b)
        b[off + 13] = 33
        #expect(throws: GGUFError.rowNotBlockAligned(tensor: "w", type: .q8_0, rowLength: 33)) { try parse(b) }
    }

    @Test func misalignedOffset() throws {
        var b = try sample()
        let off = try tensorInfoOffset(b)
        b[off + 9 + 4 + 16 + 4] = 3
        #expect(throws: GGUFError.misalignedTensor(tensor: "w", offset: 3, alignment: 32)) { try parse(b) }
    }

    @Test func tensorDataPastEnd() throws {
        var b = try sample()
        let off = try tensorInfoOffset(b)
        b[off + 9 + 4 + 16 + 4 + 1] = 0x40  // offset 16384
        #expect { try parse(b) } throws: { e in
            if case GGUFError.tensorOutOfBounds(let name, _, _, _) = e { return name == "w" }
            return false
        }
    }

    @Test func badAlignmentValue() throws {
        var w = GGUFWriter()
        w.set("general.alignment", .uint32(48))
        #expect(throws: GGUFError.invalidAlignment(48)) { try parse(w.serialize()) }
    }

    @Test func duplicateKey() throws {
        var w = GGUFWriter()
        w.set("a", .uint8(1))
        w.set("b", .uint8(2))
        var b = w.serialize()
        // Rename key "b" to "a".
        if let i = b.lastIndex(of: UInt8(ascii: "b")) { b[i] = UInt8(ascii: "a") }
        #expect(throws: GGUFError.duplicateKey("a")) { try parse(b) }
    }

    @Test func deeplyNestedArrays() throws {
        var v: GGUFValue = .array(.uint8, [])
        for _ in 0..<20 { v = .array(.array, [v]) }
        var w = GGUFWriter()
        w.set("deep", v)
        #expect(throws: GGUFError.nestingTooDeep(key: "deep")) { try parse(w.serialize()) }
    }

    @Test func missingFileAndDirectory() {
        #expect { try GGUFFile(path: "/no/such/file.gguf") } throws: { e in "\(e)".contains("/no/such/file.gguf") }
        #expect(throws: GGUFError.self) { try GGUFFile(path: "/tmp") }
    }

    @Test func randomCorruptionNeverCrashes() throws {
        let base = try sample()
        var rng = TestRandom(seed: 7)
        for _ in 0..<400 {
            var b = base
            for _ in 0..<3 { b[Int(rng.next() % UInt64(b.count))] = UInt8(truncatingIfNeeded: rng.next()) }
            _ = try? parse(b)
        }
    }
}
