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
        // The last tensor's data cut short by the end of the file.
        let b = try sample().dropLast(16)
        #expect { try parse(Array(b)) } throws: { e in
            if case GGUFError.tensorOutOfBounds(let name, _, _, _) = e { return name == "v" }
            return false
        }
    }

    @Test func badAlignmentValue() throws {
        var w = GGUFWriter()
        w.set("general.alignment", .uint32(48))
        #expect(throws: GGUFError.invalidAlignment("48")) { try parse(w.serialize()) }
    }

    @Test(arguments: [GGUFValue.int64(-32), .int64(.min), .int32(-1), .uint64(.max), .int64(0), .string("32")])
    func alignmentOfAnyTypeOrSignIsAnErrorNotATrap(value: GGUFValue) throws {
        var w = GGUFWriter()
        w.set("general.alignment", value)
        #expect(throws: GGUFError.self) { try parse(w.serialize()) }
    }

    @Test func shiftedOrOverlappingTensorDataIsRefused() throws {
        var w = GGUFWriter()
        try w.addTensor(name: "a", dims: [8], floats: [Float](repeating: 0, count: 8))
        try w.addTensor(name: "b", dims: [8], floats: [Float](repeating: 0, count: 8))
        let good = w.serialize()
        #expect(throws: Never.self) { try parse(good) }
        // Point b's data at a's (overlap), then one alignment further (a gap): both refused, as gguf.cpp refuses them.
        let needle: [UInt8] = [1, 0, 0, 0, 0, 0, 0, 0, UInt8(ascii: "b")]
        let infoB = try #require((0..<(good.count - needle.count)).first { Array(good[$0..<$0 + needle.count]) == needle })
        let offsetAt = infoB + needle.count + 4 + 8 + 4
        for shifted: UInt8 in [0, 64] {
            var b = good
            b[offsetAt] = shifted
            #expect { try parse(b) } throws: { e in
                if case GGUFError.tensorOffset(let name, _, let expected) = e { return name == "b" && expected == 32 }
                return false
            }
        }
    }

    @Test func forgedArrayLengthIsRefusedBeforeAllocating() throws {
        // A uint8 array whose length claims most of a large file: refused by the element bound, not parsed into
        // hundreds of megabytes of values.
        let key = "tokenizer.ggml.token_type"
        var w = GGUFWriter()
        w.set(key, .array(.uint8, [.uint8(1)]))
        var b = w.serialize() + [UInt8](repeating: 0, count: GGUFFile.maxMetadataElements + 64)
        let at = try #require((0..<(b.count - key.utf8.count)).first { Array(b[$0..<$0 + key.utf8.count]) == Array(key.utf8) })
        let lengthAt = at + key.utf8.count + 4 + 4
        withUnsafeBytes(of: UInt64(GGUFFile.maxMetadataElements + 1).littleEndian) { for (k, x) in $0.enumerated() { b[lengthAt + k] = x } }
        #expect { try parse(b) } throws: { e in
            if case GGUFError.tooManyElements(let key, _, _) = e { return key == "tokenizer.ggml.token_type" }
            return false
        }
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
