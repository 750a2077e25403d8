/// Token → bytes (llama.cpp `token_to_piece`), and whole-sequence decoding.
extension Tokenizer {
    /// The raw bytes a token stands for. Control tokens give nothing unless `special` is set.
    public func piece(_ id: Int32, special: Bool = false) -> [UInt8] {
        guard id >= 0, Int(id) < tokens.count else { return [] }
        let text = tokens[Int(id)]
        switch types[Int(id)] {
        case .control, .unknown, .unused:
            return special ? Array(text.utf8) : []
        case .userDefined:
            return Array(text.utf8)
        case .byte:
            if text.hasPrefix("<0x"), text.hasSuffix(">"), let b = UInt8(text.dropFirst(3).dropLast(), radix: 16) { return [b] }
            return []
        default:
            var out: [UInt8] = []
            switch kind {
            case .bpe: ByteEncoding.decode(text, into: &out)
            case .spm: out = Array(text.replacingOccurrences(of: "\u{2581}", with: " ").utf8)
            }
            return out
        }
    }

    /// Decodes tokens to text (invalid UTF-8 is repaired with U+FFFD).
    public func decode(_ ids: [Int32], special: Bool = false) -> String {
        var bytes: [UInt8] = []
        for (i, id) in ids.enumerated() {
            var p = piece(id, special: special)
            if kind == .spm, i == 0, addSpacePrefix, p.first == 0x20 { p.removeFirst() }
            bytes.append(contentsOf: p)
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// Turns a stream of token pieces into text that is always valid UTF-8: a multi-byte character split
/// across tokens is held back until it is complete.
public struct StreamingDecoder: Sendable {
    private var pending: [UInt8] = []

    public init() {}

    /// Appends bytes and returns the text that is now complete.
    public mutating func append(_ bytes: [UInt8]) -> String {
        pending.append(contentsOf: bytes)
        let cut = completePrefixLength(pending)
        guard cut > 0 else { return "" }
        let s = String(decoding: pending[0..<cut], as: UTF8.self)
        pending.removeFirst(cut)
        return s
    }

    /// Whatever is left (an incomplete character is repaired with U+FFFD).
    public mutating func flush() -> String {
        defer { pending.removeAll() }
        return String(decoding: pending, as: UTF8.self)
    }

    /// Length of the longest prefix that does not end inside an incomplete UTF-8 sequence.
    private func completePrefixLength(_ b: [UInt8]) -> Int {
        let n = b.count
        var i = n - 1
        var back = 0
        while i >= 0 && back < 4 {
            let c = b[i]
            if c & 0xC0 != 0x80 {
                let need = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1
                return n - i >= need ? n : i
            }
            i -= 1
            back += 1
        }
        return n
    }
}
