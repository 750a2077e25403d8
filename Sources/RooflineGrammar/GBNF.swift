/// GBNF, llama.cpp's grammar format (grammars/README.md in llama.cpp): `name ::= alternatives`, string
/// literals with escapes, character classes (`[a-z]`, `[^"\\]`), `.` for any character, groups, `*`, `+`, `?`
/// and `{m}`, `{m,}`, `{m,n}` repetitions, `#` comments. A rule's alternatives may continue on lines that
/// start with `|`.
extension Grammar {
    public init(gbnf text: String, root: String = "root") throws {
        var p = GBNFParser(Array(text.unicodeScalars.map(\.value)))
        try p.parseAll()
        guard let r = p.ids[root] else { throw GrammarError("the grammar has no '\(root)' rule") }
        for (name, id) in p.ids where !p.defined[id] { throw GrammarError("rule '\(name)' is used but never defined") }
        try self.init(rules: p.rules, names: p.names, root: r)
    }
}

struct GBNFParser {
    let s: [UInt32]
    var pos = 0
    var rules: [[[Grammar.Element]]] = []
    var names: [String] = []
    var defined: [Bool] = []
    var ids: [String: Int] = [:]
    var elements = 0
    var depth = 0

    init(_ s: [UInt32]) { self.s = s }

    var atEnd: Bool { pos >= s.count }
    func peek(_ k: Int = 0) -> UInt32? { pos + k < s.count ? s[pos + k] : nil }
    func char(_ c: Character) -> UInt32 { c.unicodeScalars.first!.value }

    func error(_ what: String) -> GrammarError {
        let line = s[..<min(pos, s.count)].filter { $0 == 10 }.count + 1
        return GrammarError("grammar, line \(line): \(what)")
    }

    /// Skips spaces, tabs and comments, and newlines when `newlines`.
    mutating func space(newlines: Bool) {
        while let c = peek() {
            if c == 32 || c == 9 || (newlines && (c == 10 || c == 13)) { pos += 1 }
            else if c == char("#") { while let d = peek(), d != 10 { pos += 1 } }
            else { break }
        }
    }

    static func isNameChar(_ c: UInt32) -> Bool {
        (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c == 45 || c == 95
    }

    mutating func name() throws -> String {
        let start = pos
        while let c = peek(), Self.isNameChar(c) { pos += 1 }
        guard pos > start else { throw error("expected a rule name") }
        return String(String.UnicodeScalarView(s[start..<pos].compactMap(Unicode.Scalar.init)))
    }

    mutating func id(_ name: String) throws -> Int {
        if let i = ids[name] { return i }
        return try newRule(name)
    }

    mutating func newRule(_ name: String) throws -> Int {
        guard rules.count < Grammar.maxRules else { throw error("more than \(Grammar.maxRules) rules") }
        rules.append([])
        names.append(name)
        defined.append(false)
        if ids[name] == nil { ids[name] = rules.count - 1 }
        return rules.count - 1
    }

    mutating func count(_ n: Int) throws {
        elements += n
        if elements > Grammar.maxElements { throw error("more than \(Grammar.maxElements) elements") }
    }

    mutating func parseAll() throws {
        space(newlines: true)
        while !atEnd {
            let n = try name()
            space(newlines: false)
            guard peek() == char(":"), peek(1) == char(":"), peek(2) == char("=") else { throw error("expected '::=' after '\(n)'") }
            pos += 3
            let r = try id(n)
            if defined[r] { throw error("rule '\(n)' is defined twice") }
            defined[r] = true
            rules[r] = try alternatives(rule: n, nested: false)
            space(newlines: true)
        }
    }

    mutating func alternatives(rule: String, nested: Bool) throws -> [[Grammar.Element]] {
        var alts = [try sequence(rule: rule, nested: nested)]
        while true {
            let save = pos
            space(newlines: true)
            guard peek() == char("|") else { pos = save; break }
            pos += 1
            alts.append(try sequence(rule: rule, nested: nested))
        }
        return alts
    }

    mutating func sequence(rule: String, nested: Bool) throws -> [Grammar.Element] {
        var seq: [Grammar.Element] = []
        var lastStart = 0  // where the last element (or literal) began, for repetitions
        space(newlines: nested)
        while let c = peek() {
            if c == char("\"") {
                pos += 1
                lastStart = seq.count
                while let d = peek(), d != char("\"") {
                    let v = try literalChar()
                    seq.append(.chars([v...v], negated: false))
                }
                guard peek() == char("\"") else { throw error("unterminated string literal") }
                pos += 1
                try count(seq.count - lastStart)
                if seq.count - lastStart > 1, let op = peek(), [char("*"), char("+"), char("?"), char("{")].contains(op) {
                    // a repetition applies to the whole literal: make it one rule
                    let lit = Array(seq[lastStart...])
                    seq.removeLast(seq.count - lastStart)
                    let r = try newRule(rule + "-lit")
                    rules[r] = [lit]
                    defined[r] = true
                    seq.append(.rule(r))
                }
            } else if c == char("[") {
                pos += 1
                lastStart = seq.count
                seq.append(try charClass())
                try count(1)
            } else if c == char(".") {
                pos += 1
                lastStart = seq.count
                seq.append(.chars([], negated: true))
                try count(1)
            } else if Self.isNameChar(c) {
                let save = pos
                let n = try name()
                // a name followed by '::=' starts the next rule
                var look = pos
                while look < s.count, s[look] == 32 || s[look] == 9 { look += 1 }
                if look + 2 < s.count, s[look] == char(":"), s[look + 1] == char(":"), s[look + 2] == char("=") { pos = save; break }
                lastStart = seq.count
                seq.append(.rule(try id(n)))
                try count(1)
            } else if c == char("(") {
                pos += 1
                depth += 1
                if depth > 256 { throw error("groups nested more than 256 deep") }
                let r = try newRule(rule + "-group")
                rules[r] = try alternatives(rule: rule, nested: true)
                defined[r] = true
                space(newlines: true)
                guard peek() == char(")") else { throw error("expected ')'") }
                pos += 1
                depth -= 1
                lastStart = seq.count
                seq.append(.rule(r))
                try count(1)
            } else if c == char("*") || c == char("+") || c == char("?") || c == char("{") {
                guard !seq.isEmpty, lastStart < seq.count else { throw error("a repetition needs something before it") }
                let (lo, hi) = try repetition()
                let item = seq.removeLast()
                seq += try repeated(item, lo, hi, rule: rule)
            } else {
                break
            }
            space(newlines: nested)
        }
        return seq
    }

    /// The bounds of `*`, `+`, `?` or `{m}`, `{m,}`, `{m,n}` (nil: unbounded).
    mutating func repetition() throws -> (Int, Int?) {
        let c = peek()!
        pos += 1
        if c == char("*") { return (0, nil) }
        if c == char("+") { return (1, nil) }
        if c == char("?") { return (0, 1) }
        func int() throws -> Int {
            var v = 0, digits = 0
            while let d = peek(), d >= 48, d <= 57 {
                v = v * 10 + Int(d - 48)
                digits += 1
                pos += 1
                if v > 100_000 { throw error("repetition count too large") }
            }
            guard digits > 0 else { throw error("expected a number in '{...}'") }
            return v
        }
        space(newlines: false)
        let lo = try int()
        space(newlines: false)
        var hi: Int? = lo
        if peek() == char(",") {
            pos += 1
            space(newlines: false)
            hi = peek() == char("}") ? nil : try int()
            space(newlines: false)
        }
        guard peek() == char("}") else { throw error("expected '}'") }
        pos += 1
        if let hi, hi < lo { throw error("repetition {\(lo),\(hi)} has max below min") }
        return (lo, hi)
    }

    /// `item` repeated lo...hi times: lo copies, then nested optional rules (or one star rule when unbounded).
    mutating func repeated(_ item: Grammar.Element, _ lo: Int, _ hi: Int?, rule: String) throws -> [Grammar.Element] {
        try count(lo + (hi.map { $0 - lo } ?? 1) * 2)
        var out = [Grammar.Element](repeating: item, count: lo)
        if let hi {
            guard hi > lo else { return out }
            // opt_k ::= item opt_{k+1} | ε, built from the innermost out
            var next: Int?
            for _ in 0..<(hi - lo) {
                let r = try newRule(rule + "-rep")
                rules[r] = [[item] + (next.map { [.rule($0)] } ?? []), []]
                defined[r] = true
                next = r
            }
            out.append(.rule(next!))
        } else {
            let r = try newRule(rule + "-star")
            rules[r] = [[item, .rule(r)], []]
            defined[r] = true
            out.append(.rule(r))
        }
        return out
    }

    mutating func literalChar() throws -> UInt32 {
        guard let c = peek() else { throw error("unexpected end") }
        pos += 1
        guard c == char("\\") else { return c }
        guard let e = peek() else { throw error("unexpected end after '\\'") }
        pos += 1
        switch e {
        case char("n"): return 10
        case char("t"): return 9
        case char("r"): return 13
        case char("x"): return try hex(2)
        case char("u"): return try hex(4)
        case char("U"): return try hex(8)
        default: return e  // \\ \" \[ \] \- and the like
        }
    }

    mutating func hex(_ n: Int) throws -> UInt32 {
        var v: UInt32 = 0
        for _ in 0..<n {
            guard let d = peek() else { throw error("expected \(n) hex digits") }
            let x: UInt32
            switch d {
            case 48...57: x = d - 48
            case 97...102: x = d - 87
            case 65...70: x = d - 55
            default: throw error("expected \(n) hex digits")
            }
            v = v << 4 | x
            pos += 1
        }
        guard v <= 0x10FFFF else { throw error("code point beyond U+10FFFF") }
        return v
    }

    mutating func charClass() throws -> Grammar.Element {
        var negated = false
        if peek() == char("^") { negated = true; pos += 1 }
        var ranges: [ClosedRange<UInt32>] = []
        while let c = peek(), c != char("]") {
            let a = try literalChar()
            if peek() == char("-"), let n = peek(1), n != char("]") {
                pos += 1
                let b = try literalChar()
                guard a <= b else { throw error("character range is backwards") }
                ranges.append(a...b)
            } else {
                ranges.append(a...a)
            }
            _ = c
        }
        guard peek() == char("]") else { throw error("unterminated character class") }
        pos += 1
        return .chars(ranges, negated: negated)
    }
}
