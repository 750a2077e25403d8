/// Checks a request body against RFC 8259 before it is decoded: UTF-8 only (a UTF-16 or UTF-32 body, or a
/// byte-order mark, is refused), no trailing commas, comments or other extensions, nesting at most `maxDepth`,
/// and no object with the same key twice (JSON leaves duplicates undefined and parsers disagree on which one
/// wins, so a proxy and this server could read different requests). Work is linear in the body's length.
public struct StrictJSON {
    public struct Failure: Error {
        public let message: String
        /// The field the failure is in (`messages[2].content`), when it is inside one.
        public let path: String?
    }

    public static let maxDepth = 128

    private let b: [UInt8]
    private var i = 0
    private var path: [String] = []

    public static func validate(_ bytes: [UInt8]) throws(Failure) {
        var p = StrictJSON(b: bytes)
        if bytes.count >= 2, bytes[0] == 0 || bytes[1] == 0 || bytes[0] == 0xFE || bytes[0] == 0xFF {
            throw Failure(message: "the request body must be UTF-8 encoded JSON (it looks like UTF-16 or UTF-32)", path: nil)
        }
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { throw Failure(message: "the request body must not start with a byte-order mark", path: nil) }
        p.space()
        try p.value(depth: 0)
        p.space()
        guard p.i == bytes.count else { throw p.fail("unexpected data after the JSON value") }
    }

    private init(b: [UInt8]) { self.b = b }

    private func fail(_ what: String) -> Failure {
        Failure(message: "the request body is not valid JSON: \(what) at byte \(i)", path: path.isEmpty ? nil : path.joined())
    }

    private mutating func space() {
        while i < b.count, b[i] == 0x20 || b[i] == 0x0A || b[i] == 0x0D || b[i] == 0x09 { i += 1 }
    }

    private mutating func value(depth: Int) throws(Failure) {
        guard depth <= Self.maxDepth else { throw fail("values nested more than \(Self.maxDepth) deep") }
        guard i < b.count else { throw fail("unexpected end") }
        switch b[i] {
        case UInt8(ascii: "{"): try object(depth: depth)
        case UInt8(ascii: "["): try array(depth: depth)
        case UInt8(ascii: "\""): _ = try string()
        case UInt8(ascii: "t"): try literal("true")
        case UInt8(ascii: "f"): try literal("false")
        case UInt8(ascii: "n"): try literal("null")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try number()
        default: throw fail("unexpected character")
        }
    }

    private mutating func object(depth: Int) throws(Failure) {
        i += 1
        space()
        if i < b.count, b[i] == UInt8(ascii: "}") { i += 1; return }
        var keys = Set<String>()
        while true {
            space()
            guard i < b.count, b[i] == UInt8(ascii: "\"") else { throw fail(keys.isEmpty ? "expected a key" : "trailing comma or missing key") }
            let key = try string()
            guard keys.insert(key).inserted else {
                path.append(path.isEmpty ? key : "." + key)
                throw Failure(message: "the request body has the key '\(key)' twice in one object; send each key once", path: path.joined())
            }
            space()
            guard i < b.count, b[i] == UInt8(ascii: ":") else { throw fail("expected ':'") }
            i += 1
            space()
            path.append(path.isEmpty ? key : "." + key)
            try value(depth: depth + 1)
            path.removeLast()
            space()
            guard i < b.count else { throw fail("unexpected end inside an object") }
            if b[i] == UInt8(ascii: ",") { i += 1; continue }
            if b[i] == UInt8(ascii: "}") { i += 1; return }
            throw fail("expected ',' or '}'")
        }
    }

    private mutating func array(depth: Int) throws(Failure) {
        i += 1
        space()
        if i < b.count, b[i] == UInt8(ascii: "]") { i += 1; return }
        var index = 0
        while true {
            space()
            if i < b.count, b[i] == UInt8(ascii: "]") { throw fail("trailing comma") }
            path.append("[\(index)]")
            try value(depth: depth + 1)
            path.removeLast()
            index += 1
            space()
            guard i < b.count else { throw fail("unexpected end inside an array") }
            if b[i] == UInt8(ascii: ",") { i += 1; continue }
            if b[i] == UInt8(ascii: "]") { i += 1; return }
            throw fail("expected ',' or ']'")
        }
    }

    private mutating func literal(_ word: StaticString) throws(Failure) {
        let n = word.utf8CodeUnitCount
        guard i + n <= b.count, (0..<n).allSatisfy({ b[i + $0] == word.utf8Start[$0] }) else { throw fail("unexpected character") }
        i += n
    }

    private mutating func number() throws(Failure) {
        if b[i] == UInt8(ascii: "-") { i += 1 }
        func digits() -> Int { let s = i; while i < b.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b[i]) { i += 1 }; return i - s }
        guard i < b.count else { throw fail("incomplete number") }
        if b[i] == UInt8(ascii: "0") { i += 1 } else if digits() == 0 { throw fail("incomplete number") }
        if i < b.count, b[i] == UInt8(ascii: ".") { i += 1; guard digits() > 0 else { throw fail("incomplete number") } }
        if i < b.count, b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E") {
            i += 1
            if i < b.count, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") { i += 1 }
            guard digits() > 0 else { throw fail("incomplete number") }
        }
    }

    /// A string's decoded value (escapes resolved, so "a" and "\u0061" are the same key); checks UTF-8.
    private mutating func string() throws(Failure) -> String {
        i += 1
        var out: [UInt8] = []
        while true {
            guard i < b.count else { throw fail("unterminated string") }
            let c = b[i]
            if c == UInt8(ascii: "\"") { i += 1; break }
            if c < 0x20 { throw fail("control character in a string") }
            if c == UInt8(ascii: "\\") {
                i += 1
                guard i < b.count else { throw fail("unterminated string") }
                switch b[i] {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(b[i])
                case UInt8(ascii: "b"): out.append(8)
                case UInt8(ascii: "f"): out.append(12)
                case UInt8(ascii: "n"): out.append(10)
                case UInt8(ascii: "r"): out.append(13)
                case UInt8(ascii: "t"): out.append(9)
                case UInt8(ascii: "u"):
                    var u = try hex4()
                    if (0xD800..<0xDC00).contains(u), i + 2 < b.count, b[i + 1] == UInt8(ascii: "\\"), b[i + 2] == UInt8(ascii: "u") {
                        i += 2
                        let lo = try hex4()
                        guard (0xDC00..<0xE000).contains(lo) else { throw fail("invalid surrogate pair") }
                        u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00)
                    }
                    out.append(contentsOf: Array(String(Unicode.Scalar(u).map(Character.init) ?? "\u{FFFD}").utf8))
                default: throw fail("invalid escape")
                }
                i += 1
                continue
            }
            out.append(c)
            i += 1
        }
        guard let s = String(validating: out, as: UTF8.self) else { throw fail("a string that is not valid UTF-8") }
        return s
    }

    /// Reads the four hex digits after `\u` (i at the 'u'); leaves i at the last digit.
    private mutating func hex4() throws(Failure) -> UInt32 {
        guard i + 4 < b.count else { throw fail("incomplete \\u escape") }
        var v: UInt32 = 0
        for k in 1...4 {
            guard let d = UInt32(String(UnicodeScalar(b[i + k])), radix: 16) else { throw fail("invalid \\u escape") }
            v = v * 16 + d
        }
        i += 4
        return v
    }
}
