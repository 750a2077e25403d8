/// JSON text → `JSONValue`, keeping object keys in the order written (Foundation's decoders do not): for tool-call
/// arguments given as strings and for the JSON a model writes. RFC 8259, nesting at most `JSONValue.maxDepth`.
extension JSONValue {
    public static func parse(_ text: String) throws -> JSONValue {
        var p = JSONTextParser(Array(text.utf8))
        p.space()
        let v = try p.value(depth: 0)
        p.space()
        guard p.i == p.b.count else { throw GrammarError("unexpected text after the JSON value at byte \(p.i)") }
        return v
    }

    /// The JSON value at the start of `text` (after spaces), and the number of UTF-8 bytes it and the spaces
    /// before it take; nil when the text does not start with a whole value.
    public static func parsePrefix(_ text: Substring) -> (JSONValue, Int)? {
        var p = JSONTextParser(Array(text.utf8))
        p.space()
        guard let v = try? p.value(depth: 0) else { return nil }
        return (v, p.i)
    }
}

struct JSONTextParser {
    let b: [UInt8]
    var i = 0
    init(_ b: [UInt8]) { self.b = b }

    func fail(_ what: String) -> GrammarError { GrammarError("invalid JSON: \(what) at byte \(i)") }

    mutating func space() { while i < b.count, b[i] == 0x20 || b[i] == 0x0A || b[i] == 0x0D || b[i] == 0x09 { i += 1 } }

    mutating func literal(_ s: String, _ v: JSONValue) throws -> JSONValue {
        let u = Array(s.utf8)
        guard i + u.count <= b.count, Array(b[i..<i + u.count]) == u else { throw fail("unexpected token") }
        i += u.count
        return v
    }

    mutating func value(depth: Int) throws -> JSONValue {
        guard depth < JSONValue.maxDepth else { throw fail("nesting deeper than \(JSONValue.maxDepth)") }
        guard i < b.count else { throw fail("unexpected end") }
        switch b[i] {
        case UInt8(ascii: "{"):
            i += 1
            var out: [(String, JSONValue)] = []
            space()
            if i < b.count, b[i] == UInt8(ascii: "}") { i += 1; return .object(out) }
            while true {
                space()
                guard i < b.count, b[i] == UInt8(ascii: "\"") else { throw fail("expected a key") }
                let k = try string()
                space()
                guard i < b.count, b[i] == UInt8(ascii: ":") else { throw fail("expected ':'") }
                i += 1
                space()
                out.append((k, try value(depth: depth + 1)))
                space()
                guard i < b.count else { throw fail("unexpected end") }
                if b[i] == UInt8(ascii: ",") { i += 1; continue }
                guard b[i] == UInt8(ascii: "}") else { throw fail("expected ',' or '}'") }
                i += 1
                return .object(out)
            }
        case UInt8(ascii: "["):
            i += 1
            var out: [JSONValue] = []
            space()
            if i < b.count, b[i] == UInt8(ascii: "]") { i += 1; return .array(out) }
            while true {
                space()
                out.append(try value(depth: depth + 1))
                space()
                guard i < b.count else { throw fail("unexpected end") }
                if b[i] == UInt8(ascii: ",") { i += 1; continue }
                guard b[i] == UInt8(ascii: "]") else { throw fail("expected ',' or ']'") }
                i += 1
                return .array(out)
            }
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): return try literal("true", .bool(true))
        case UInt8(ascii: "f"): return try literal("false", .bool(false))
        case UInt8(ascii: "n"): return try literal("null", .null)
        default: return try number()
        }
    }

    mutating func number() throws -> JSONValue {
        let start = i
        if i < b.count, b[i] == UInt8(ascii: "-") { i += 1 }
        func digits() -> Int { let s = i; while i < b.count, b[i] >= 0x30, b[i] <= 0x39 { i += 1 }; return i - s }
        guard i < b.count else { throw fail("expected a value") }
        if b[i] == UInt8(ascii: "0") { i += 1 } else { guard digits() > 0 else { throw fail("expected a value") } }
        if i < b.count, b[i] == UInt8(ascii: ".") { i += 1; guard digits() > 0 else { throw fail("expected digits") } }
        if i < b.count, b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E") {
            i += 1
            if i < b.count, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") { i += 1 }
            guard digits() > 0 else { throw fail("expected exponent digits") }
        }
        guard let d = Double(String(decoding: b[start..<i], as: UTF8.self)) else { throw fail("bad number") }
        return .number(d)
    }

    mutating func hex4() throws -> UInt32 {
        guard i + 4 <= b.count, let v = UInt32(String(decoding: b[i..<i + 4], as: UTF8.self), radix: 16) else { throw fail("bad \\u escape") }
        i += 4
        return v
    }

    mutating func string() throws -> String {
        i += 1  // the opening quote
        var out: [UInt8] = []
        while i < b.count {
            let c = b[i]
            if c == UInt8(ascii: "\"") { i += 1; return String(decoding: out, as: UTF8.self) }
            guard c >= 0x20 else { throw fail("control character in a string") }
            if c != UInt8(ascii: "\\") { out.append(c); i += 1; continue }
            i += 1
            guard i < b.count else { break }
            let e = b[i]
            i += 1
            switch e {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
            case UInt8(ascii: "b"): out.append(8)
            case UInt8(ascii: "f"): out.append(12)
            case UInt8(ascii: "n"): out.append(10)
            case UInt8(ascii: "r"): out.append(13)
            case UInt8(ascii: "t"): out.append(9)
            case UInt8(ascii: "u"):
                var v = try hex4()
                if (0xD800...0xDBFF).contains(v), i + 6 <= b.count, b[i] == UInt8(ascii: "\\"), b[i + 1] == UInt8(ascii: "u") {
                    i += 2
                    let lo = try hex4()
                    guard (0xDC00...0xDFFF).contains(lo) else { throw fail("unpaired surrogate") }
                    v = 0x10000 + ((v - 0xD800) << 10) + (lo - 0xDC00)
                }
                guard let s = Unicode.Scalar(v) else { throw fail("unpaired surrogate") }
                out += Array(String(Character(s)).utf8)
            default: throw fail("bad escape")
            }
        }
        throw fail("unterminated string")
    }
}
