/// Expressions of the chat-template Jinja subset, parsed by precedence climbing.
indirect enum JinjaExpr {
    case literal(JinjaValue)
    case name(String)
    case list([JinjaExpr])
    case dict([(JinjaExpr, JinjaExpr)])
    case attribute(JinjaExpr, String)
    case index(JinjaExpr, JinjaExpr)
    case slice(JinjaExpr, JinjaExpr?, JinjaExpr?, step: JinjaExpr?)
    case call(JinjaExpr, [JinjaExpr], [(String, JinjaExpr)])
    case filter(JinjaExpr, String, [JinjaExpr], [(String, JinjaExpr)])
    case test(JinjaExpr, String, [JinjaExpr], negated: Bool)
    case unary(String, JinjaExpr)
    case binary(String, JinjaExpr, JinjaExpr)
    case ternary(JinjaExpr, cond: JinjaExpr, otherwise: JinjaExpr?)
}

enum JinjaToken: Equatable {
    case name(String), string(String), int(Int), double(Double), op(String), end
}

struct JinjaParser {
    var toks: [JinjaToken]
    var i = 0
    /// Current nesting of expressions; bounded by `JinjaLimits.parseDepth` so deep input cannot overflow the stack.
    var depth = 0

    /// One more link in an operator or postfix chain: each deepens the tree the evaluator walks.
    mutating func link(_ links: inout Int) throws(TokenizerError) {
        links += 1
        try enter()
    }

    mutating func enter() throws(TokenizerError) {
        depth += 1
        if depth > JinjaLimits.standard.parseDepth { throw .badChatTemplate("expression nested more than \(JinjaLimits.standard.parseDepth) deep") }
    }

    init(_ source: String) throws(TokenizerError) {
        toks = try Self.lex(source)
    }

    static func lex(_ src: String) throws(TokenizerError) -> [JinjaToken] {
        let s = Array(src.unicodeScalars)
        var out: [JinjaToken] = []
        var i = 0
        let two: Set<String> = ["==", "!=", "<=", ">=", "//", "**"]
        while i < s.count {
            let c = s[i]
            if c.properties.isWhitespace { i += 1; continue }
            if c == "'" || c == "\"" {
                var v = String.UnicodeScalarView()
                i += 1
                while i < s.count && s[i] != c {
                    if s[i] == "\\" && i + 1 < s.count {
                        i += 1
                        switch s[i] {
                        case "n": v.append("\n")
                        case "t": v.append("\t")
                        case "r": v.append("\r")
                        default: v.append(s[i])
                        }
                    } else {
                        v.append(s[i])
                    }
                    i += 1
                }
                guard i < s.count else { throw .badChatTemplate("unterminated string in '\(src)'") }
                i += 1
                out.append(.string(String(v)))
            } else if c.properties.numericType != nil && c.isASCII {
                var j = i
                while j < s.count && (s[j].isASCII && (s[j].properties.numericType != nil || s[j] == ".")) { j += 1 }
                let text = String(String.UnicodeScalarView(s[i..<j]))
                if let n = Int(text) { out.append(.int(n)) } else if let d = Double(text) { out.append(.double(d)) } else {
                    throw .badChatTemplate("bad number '\(text)'")
                }
                i = j
            } else if c == "_" || c.properties.isAlphabetic {
                var j = i
                while j < s.count && (s[j] == "_" || s[j].properties.isAlphabetic || (s[j].isASCII && s[j].properties.numericType != nil)) { j += 1 }
                out.append(.name(String(String.UnicodeScalarView(s[i..<j]))))
                i = j
            } else {
                if i + 1 < s.count, two.contains(String(c) + String(s[i + 1])) {
                    out.append(.op(String(c) + String(s[i + 1])))
                    i += 2
                } else {
                    out.append(.op(String(c)))
                    i += 1
                }
            }
        }
        out.append(.end)
        return out
    }

    var peek: JinjaToken { toks[i] }
    mutating func next() -> JinjaToken { defer { if i < toks.count - 1 { i += 1 } }; return toks[i] }
    mutating func accept(_ op: String) -> Bool { if peek == .op(op) || peek == .name(op) { i += 1; return true }; return false }
    mutating func expect(_ op: String) throws(TokenizerError) {
        guard accept(op) else { throw .badChatTemplate("expected '\(op)', found \(peek)") }
    }
    mutating func name() throws(TokenizerError) -> String {
        guard case .name(let n) = next() else { throw .badChatTemplate("expected a name, found \(toks[max(0, i - 1)])") }
        return n
    }
    var atEnd: Bool { peek == .end }

    mutating func expression() throws(TokenizerError) -> JinjaExpr {
        try enter()
        defer { depth -= 1 }
        let e = try orExpr()
        if accept("if") {
            let cond = try orExpr()
            let other: JinjaExpr? = accept("else") ? try expression() : nil
            return .ternary(e, cond: cond, otherwise: other)
        }
        return e
    }

    mutating func orExpr() throws(TokenizerError) -> JinjaExpr {
        var l = try andExpr()
        var links = 0
        defer { depth -= links }
        while accept("or") { try link(&links); l = .binary("or", l, try andExpr()) }
        return l
    }

    mutating func andExpr() throws(TokenizerError) -> JinjaExpr {
        var l = try notExpr()
        var links = 0
        defer { depth -= links }
        while accept("and") { try link(&links); l = .binary("and", l, try notExpr()) }
        return l
    }

    mutating func notExpr() throws(TokenizerError) -> JinjaExpr {
        if accept("not") {
            try enter()
            defer { depth -= 1 }
            return .unary("not", try notExpr())
        }
        return try comparison()
    }

    mutating func comparison() throws(TokenizerError) -> JinjaExpr {
        var l = try concat()
        var links = 0
        defer { depth -= links }
        while true {
            try link(&links)
            if case .op(let o) = peek, ["==", "!=", "<", ">", "<=", ">="].contains(o) {
                i += 1
                l = .binary(o, l, try concat())
            } else if accept("in") {
                l = .binary("in", l, try concat())
            } else if peek == .name("not"), toks[i + 1] == .name("in") {
                i += 2
                l = .unary("not", .binary("in", l, try concat()))
            } else if accept("is") {
                let neg = accept("not")
                let t = try name()
                var args: [JinjaExpr] = []
                if accept("(") {
                    args = try arguments().0
                } else if JinjaBuiltins.testsWithArgument.contains(t) {
                    args = [try primary()]  // `x is equalto y`
                }
                l = .test(l, t, args, negated: neg)
            } else {
                return l
            }
        }
    }

    mutating func concat() throws(TokenizerError) -> JinjaExpr {
        var l = try additive()
        var links = 0
        defer { depth -= links }
        while accept("~") { try link(&links); l = .binary("~", l, try additive()) }
        return l
    }

    mutating func additive() throws(TokenizerError) -> JinjaExpr {
        var l = try multiplicative()
        var links = 0
        defer { depth -= links }
        while true {
            try link(&links)
            if accept("+") { l = .binary("+", l, try multiplicative()) } else if accept("-") { l = .binary("-", l, try multiplicative()) } else { return l }
        }
    }

    mutating func multiplicative() throws(TokenizerError) -> JinjaExpr {
        var l = try unary()
        var links = 0
        defer { depth -= links }
        while true {
            try link(&links)
            if accept("*") { l = .binary("*", l, try unary()) } else if accept("//") { l = .binary("//", l, try unary()) } else if accept("/") { l = .binary("/", l, try unary()) } else if accept("%") { l = .binary("%", l, try unary()) } else { return l }
        }
    }

    mutating func unary() throws(TokenizerError) -> JinjaExpr {
        if accept("-") {
            try enter()
            defer { depth -= 1 }
            return .unary("-", try unary())
        }
        return try postfix()
    }

    mutating func postfix() throws(TokenizerError) -> JinjaExpr {
        var e = try primary()
        var links = 0
        defer { depth -= links }
        while true {
            try link(&links)
            if accept(".") {
                e = .attribute(e, try name())
            } else if accept("[") {
                // x[i], or a slice x[start:stop:step] with any part left out
                let start: JinjaExpr? = peek == .op(":") ? nil : try expression()
                guard accept(":") else {
                    try expect("]")
                    guard let start else { throw .badChatTemplate("empty subscript") }
                    e = .index(e, start)
                    continue
                }
                let stop: JinjaExpr? = (peek == .op(":") || peek == .op("]")) ? nil : try expression()
                var step: JinjaExpr?
                if accept(":"), peek != .op("]") { step = try expression() }
                try expect("]")
                e = .slice(e, start, stop, step: step)
            } else if accept("(") {
                let (args, kwargs) = try arguments()
                e = .call(e, args, kwargs)
            } else if accept("|") {
                let f = try name()
                var args: [JinjaExpr] = []
                var kwargs: [(String, JinjaExpr)] = []
                if accept("(") { (args, kwargs) = try arguments() }
                e = .filter(e, f, args, kwargs)
            } else {
                return e
            }
        }
    }

    mutating func arguments() throws(TokenizerError) -> ([JinjaExpr], [(String, JinjaExpr)]) {
        var args: [JinjaExpr] = []
        var kwargs: [(String, JinjaExpr)] = []
        if accept(")") { return (args, kwargs) }
        repeat {
            if case .name(let n) = peek, toks[i + 1] == .op("=") {
                i += 2
                kwargs.append((n, try expression()))
            } else {
                args.append(try expression())
            }
        } while accept(",")
        try expect(")")
        return (args, kwargs)
    }

    mutating func primary() throws(TokenizerError) -> JinjaExpr {
        switch next() {
        case .string(var s):
            while case .string(let more) = peek { s += more; i += 1 }
            return .literal(.string(s))
        case .int(let n): return .literal(.int(n))
        case .double(let d): return .literal(.double(d))
        case .name(let n):
            switch n {
            case "true", "True": return .literal(.bool(true))
            case "false", "False": return .literal(.bool(false))
            case "none", "None": return .literal(.none)
            default: return .name(n)
            }
        case .op("("):
            let e = try expression()
            if accept(",") {
                var items = [e]
                if !accept(")") {
                    repeat { items.append(try expression()) } while accept(",")
                    try expect(")")
                }
                return .list(items)
            }
            try expect(")")
            return e
        case .op("["):
            var items: [JinjaExpr] = []
            if accept("]") { return .list(items) }
            repeat { if peek == .op("]") { break }; items.append(try expression()) } while accept(",")
            try expect("]")
            return .list(items)
        case .op("{"):
            var pairs: [(JinjaExpr, JinjaExpr)] = []
            if accept("}") { return .dict(pairs) }
            repeat {
                let k = try expression()
                try expect(":")
                pairs.append((k, try expression()))
            } while accept(",")
            try expect("}")
            return .dict(pairs)
        case let t:
            throw .badChatTemplate("unexpected \(t) in expression")
        }
    }
}
