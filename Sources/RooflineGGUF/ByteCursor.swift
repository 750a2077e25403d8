/// A bounds-checked little-endian reader over the mapped bytes of a GGUF file.
struct ByteCursor {
    let base: UnsafeRawPointer
    let size: Int
    var offset: Int = 0

    var remaining: Int { size - offset }

    mutating func need(_ n: Int, _ field: @autoclosure () -> String) throws(GGUFError) {
        guard n >= 0, n <= remaining else {
            throw .truncated(field: field(), offset: offset, needed: n, fileSize: size)
        }
    }

    mutating func read<T: FixedWidthInteger>(_: T.Type, _ field: @autoclosure () -> String) throws(GGUFError) -> T {
        try need(MemoryLayout<T>.size, field())
        let v = base.loadUnaligned(fromByteOffset: offset, as: T.self)
        offset += MemoryLayout<T>.size
        return T(littleEndian: v)
    }

    mutating func readString(_ field: @autoclosure () -> String) throws(GGUFError) -> String {
        // The field's name is built only for an error: a vocabulary reads hundreds of thousands of strings.
        let len = try read(UInt64.self, field() + " length")
        guard len <= UInt64(remaining) else { throw .countTooLarge(field: field() + " length", count: len, fileSize: size) }
        let n = Int(len)
        let bytes = UnsafeRawBufferPointer(start: base + offset, count: n)
        // Token strings in real vocabularies may hold invalid UTF-8 fragments; keep them losslessly
        // repaired rather than fail (llama.cpp keeps raw bytes; we never need them as bytes here).
        let s = String(decoding: bytes, as: UTF8.self)
        offset += n
        return s
    }
}
