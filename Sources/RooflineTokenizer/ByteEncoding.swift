/// GPT-2's reversible byte ↔ printable-character map (`bytes_to_unicode` in OpenAI's encoder.py,
/// `unicode_byte_to_utf8` in llama.cpp's unicode.cpp).
enum ByteEncoding {
    /// byte → the scalar standing for it in vocabulary strings.
    static let byteToScalar: [Unicode.Scalar] = {
        var map = [Unicode.Scalar](repeating: " ", count: 256)
        var n: UInt32 = 0
        for b in 0..<256 {
            let printable = (0x21...0x7E).contains(b) || (0xA1...0xAC).contains(b) || (0xAE...0xFF).contains(b)
            if printable {
                map[b] = Unicode.Scalar(UInt32(b))!
            } else {
                map[b] = Unicode.Scalar(256 + n)!
                n += 1
            }
        }
        return map
    }()

    /// scalar → byte, the inverse map.
    static let scalarToByte: [UInt32: UInt8] = {
        var d: [UInt32: UInt8] = [:]
        for (b, s) in byteToScalar.enumerated() { d[s.value] = UInt8(b) }
        return d
    }()

    /// Encodes raw UTF-8 bytes as a vocabulary string.
    static func encode<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 {
        var s = String.UnicodeScalarView()
        for b in bytes { s.append(byteToScalar[Int(b)]) }
        return String(s)
    }

    /// Decodes a vocabulary string back to raw bytes (scalars outside the map are kept as UTF-8).
    static func decode(_ text: String, into out: inout [UInt8]) {
        for sc in text.unicodeScalars {
            if let b = scalarToByte[sc.value] { out.append(b) } else { out.append(contentsOf: Array(String(sc).utf8)) }
        }
    }
}
