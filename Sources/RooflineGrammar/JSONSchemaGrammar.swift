/// JSON Schema → GBNF, after llama.cpp's json-schema-to-grammar: `type` (one or a list), `properties` with
/// `required`, `additionalProperties`, `items`, `prefixItems`, `minItems`/`maxItems`, `enum`, `const`,
/// `anyOf`/`oneOf`, `allOf` of one schema, local `$ref`s (`#/$defs/…`, `#/definitions/…`), string
/// `minLength`/`maxLength`, `minProperties`/`maxProperties` of maps (objects without `properties`), integer
/// `minimum`/`maximum`/`exclusiveMinimum`/`exclusiveMaximum`, and the formats `date`, `time`, `date-time` and
/// `uuid`. Properties come in the order of `required`, then the optional ones by name; optional ones may be left
/// out, extra ones are never written. What it cannot enforce (`pattern`, bounds on decimals, `multipleOf`, other
/// formats) is refused with an error naming the keyword, so output under a schema always validates. Whitespace between tokens is bounded (a newline and at
/// most 20 spaces or tabs), so a model cannot pad forever.
public struct JSONSchemaGrammar {
    private var rules: [(String, String)] = []
    private var names: Set<String> = []
    private var refs: [String: String] = [:]
    private var root: JSONValue
    private var depth = 0

    /// GBNF for any JSON object (`response_format: {"type": "json_object"}`).
    public static let anyObject = """
        root ::= object
        \(primitives)
        """

    static let primitives = #"""
        space ::= | " " | "\n" [ \t]{0,20}
        value ::= object | array | string | number | boolean | null
        object ::= "{" space ( string ":" space value ( "," space string ":" space value )* )? "}" space
        array ::= "[" space ( value ( "," space value )* )? "]" space
        string ::= "\"" char* "\"" space
        char ::= [^"\\\x7F\x00-\x1F] | [\\] ( ["\\/bfnrt] | "u" [0-9a-fA-F]{4} )
        number ::= integer-part ( "." [0-9]{1,16} )? ( [eE] [-+]? [0-9]{1,3} )? space
        integer ::= integer-part space
        integer-part ::= "-"? ( [0] | [1-9] [0-9]{0,15} )
        boolean ::= ( "true" | "false" ) space
        null ::= "null" space
        """#

    /// The GBNF for `schema` (root rule `root`).
    public static func gbnf(schema: JSONValue) throws -> String {
        var g = JSONSchemaGrammar(root: schema)
        let top = try g.add(schema, name: "root-value")  // before g is read for its rules
        return g.rules(root: top)
    }

    /// Adds the rules for `schema` (its `$ref`s resolved within it) and gives the rule that matches it.
    mutating func add(_ schema: JSONValue, name: String) throws -> String {
        root = schema
        refs = [:]
        return try visit(schema, name: name)
    }

    /// The whole grammar: `root ::= body`, the rules added, and the JSON primitives.
    func rules(root body: String) -> String {
        ([("root", body)] + rules).map { "\($0.0) ::= \($0.1)" }.joined(separator: "\n") + "\n" + Self.primitives
    }

    /// The grammar for `schema`, compiled.
    public static func grammar(schema: JSONValue) throws -> Grammar { try Grammar(gbnf: gbnf(schema: schema)) }

    init(root: JSONValue) { self.root = root }

    private mutating func rule(_ hint: String, _ body: String) -> String {
        var base = String(hint.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "-" }.prefix(40))
        if base.isEmpty || !(base.first!.isLetter) { base = "r-" + base }
        var name = base, k = 1
        while names.contains(name) || ["root", "space", "value", "object", "array", "string", "char", "number", "integer",
                                       "integer-part", "boolean", "null"].contains(name) { k += 1; name = "\(base)-\(k)" }
        names.insert(name)
        rules.append((name, body))
        return name
    }

    /// `json` as a GBNF string literal.
    static func literal(_ json: String) -> String {
        "\"" + JSONValue.escaped(json, del: true) { String(format: "\\x%02X", $0) } + "\""
    }

    private mutating func visit(_ s: JSONValue, name: String) throws -> String {
        depth += 1
        defer { depth -= 1 }
        guard depth <= 64 else { throw GrammarError("the schema is nested more than 64 deep") }
        if case .bool(let b) = s { return b ? "value" : try refuse("false", "a schema of false allows nothing") }
        guard case .object = s else { throw GrammarError("a schema must be an object or a boolean") }
        for k in ["pattern", "multipleOf", "patternProperties", "not", "if", "uniqueItems", "contains", "dependentRequired"] where s[k] != nil {
            throw GrammarError("the JSON Schema keyword '\(k)' is not supported for constrained output (at '\(name)')")
        }
        // bounds are enforced on integers only (a bounded decimal would need its digits constrained past the point)
        let types = s["type"]?.stringValue.map { [$0] } ?? s["type"]?.arrayValue?.compactMap(\.stringValue) ?? []
        for k in ["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"] where s[k] != nil && (!types.contains("integer") || types.contains("number")) {
            throw GrammarError("the JSON Schema keyword '\(k)' is supported on integers only (at '\(name)')")
        }
        if let ref = s["$ref"]?.stringValue { return try reference(ref) }
        if let c = s["const"] { return "\(Self.literal(c.jsonText)) space" }
        if let e = s["enum"]?.arrayValue {
            guard !e.isEmpty else { throw GrammarError("'enum' at '\(name)' is empty") }
            return rule(name, "(" + e.map { Self.literal($0.jsonText) }.joined(separator: " | ") + ") space")
        }
        for k in ["anyOf", "oneOf"] {
            if let alts = s[k]?.arrayValue {
                guard !alts.isEmpty else { throw GrammarError("'\(k)' at '\(name)' is empty") }
                let parts = try alts.enumerated().map { try visit($1, name: "\(name)-\($0)") }
                return rule(name, parts.joined(separator: " | "))
            }
        }
        if let all = s["allOf"]?.arrayValue {
            guard all.count == 1 else { throw GrammarError("'allOf' with more than one schema is not supported (at '\(name)')") }
            return try visit(all[0], name: name)
        }
        switch s["type"] {
        case .array(let types)?:
            let parts = try types.map { t -> String in
                guard let t = t.stringValue else { throw GrammarError("'type' at '\(name)' must hold names") }
                return try typed(t, s, name: "\(name)-\(t)")
            }
            return rule(name, parts.joined(separator: " | "))
        case .string(let t)?:
            return try typed(t, s, name: name)
        case nil:
            if s["properties"] != nil { return try typed("object", s, name: name) }
            if s["items"] != nil || s["prefixItems"] != nil { return try typed("array", s, name: name) }
            return "value"
        default:
            throw GrammarError("'type' at '\(name)' must be a name or a list of names")
        }
    }

    private func refuse(_ k: String, _ why: String) throws -> String { throw GrammarError(why) }

    private mutating func reference(_ ref: String) throws -> String {
        if let r = refs[ref] { return r }
        let parts = ref.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3, parts[0] == "#", parts[1] == "$defs" || parts[1] == "definitions",
              let target = root[parts[1]]?[parts[2]] else { throw GrammarError("'$ref' '\(ref)' does not name a definition in this schema") }
        // the rule is named before its body is made, so a recursive reference finds it
        var base = "ref-" + parts[2]
        base = String(base.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "-" }.prefix(40))
        var name = base, k = 1
        while names.contains(name) { k += 1; name = "\(base)-\(k)" }
        names.insert(name)
        refs[ref] = name
        let index = rules.count
        rules.append((name, ""))
        let body = try visit(target, name: name + "-body")
        rules[index].1 = body
        return name
    }

    private mutating func typed(_ t: String, _ s: JSONValue, name: String) throws -> String {
        switch t {
        case "null": return "null"
        case "boolean": return "boolean"
        case "integer": return try integer(s, name: name)
        case "number": return "number"
        case "string": return try string(s, name: name)
        case "array": return try array(s, name: name)
        case "object": return try object(s, name: name)
        default: throw GrammarError("unknown type '\(t)' at '\(name)'")
        }
    }

    /// The largest magnitude the grammar's integers reach (16 digits, as `integer-part` allows).
    static let integerLimit: Int64 = 9_999_999_999_999_999

    /// An integer within `minimum`/`maximum` and the exclusive bounds (numbers, or draft 4's booleans), as
    /// alternatives over its decimal digits (llama.cpp's `_generate_min_max_int` builds the same language).
    private mutating func integer(_ s: JSONValue, name: String) throws -> String {
        func bound(_ k: String) throws -> Double? {
            guard let v = s[k] else { return nil }
            if case .bool = v { return nil }
            guard case .number(let d) = v, d.isFinite else { throw GrammarError("'\(k)' at '\(name)' must be a number") }
            return d
        }
        var lo = -Self.integerLimit, hi = Self.integerLimit
        let limit = Double(Self.integerLimit)
        if let m = try bound("minimum") {
            let exclusive = s["exclusiveMinimum"] == .bool(true)
            lo = max(lo, Int64(max(-limit - 1, min(limit + 1, exclusive ? m.rounded(.down) + 1 : m.rounded(.up)))))
        }
        if let m = try bound("exclusiveMinimum") { lo = max(lo, Int64(max(-limit - 1, min(limit + 1, m.rounded(.down) + 1)))) }
        if let m = try bound("maximum") {
            let exclusive = s["exclusiveMaximum"] == .bool(true)
            hi = min(hi, Int64(max(-limit - 1, min(limit + 1, exclusive ? m.rounded(.up) - 1 : m.rounded(.down)))))
        }
        if let m = try bound("exclusiveMaximum") { hi = min(hi, Int64(max(-limit - 1, min(limit + 1, m.rounded(.up) - 1)))) }
        if lo == -Self.integerLimit && hi == Self.integerLimit { return "integer" }
        guard lo <= hi else { throw GrammarError("the bounds at '\(name)' allow no integer (\(lo) > \(hi))") }
        var alternatives: [String] = []
        if lo < 0 {  // negative values: "-" and the magnitudes from max(1, -hi) to -lo
            alternatives.append("\"-\" ( " + Self.digits(from: max(1, hi < 0 ? -hi : 1), to: -lo) + " )")
        }
        if hi >= 0 { alternatives.append(Self.digits(from: max(0, lo), to: hi)) }
        return rule(name, "( " + alternatives.joined(separator: " | ") + " ) space")
    }

    /// GBNF for the decimal numerals (no leading zeros) of the integers a...b, 0 <= a <= b.
    static func digits(from a: Int64, to b: Int64) -> String {
        var parts: [String] = []
        let la = String(a).count, lb = String(b).count
        for len in la...lb {
            var power: Int64 = 1  // 10^(len - 1)
            for _ in 1..<len { power *= 10 }
            let low = len == la ? a : (len == 1 ? 0 : power)
            let high = len == lb ? b : power * 10 - 1
            parts.append(sameLength(Array(String(low).utf8), Array(String(high).utf8)))
        }
        return parts.joined(separator: " | ")
    }

    /// GBNF for the numerals of one length from `lo` to `hi` (digit strings, lo <= hi).
    static func sameLength(_ lo: [UInt8], _ hi: [UInt8]) -> String {
        guard let l0 = lo.first, let h0 = hi.first else { return "" }
        let n = lo.count - 1
        let anyTail = n == 0 ? "" : " [0-9]{\(n)}"
        func ch(_ c: UInt8) -> String { String(UnicodeScalar(c)) }
        if l0 == h0 {
            let rest = sameLength(Array(lo.dropFirst()), Array(hi.dropFirst()))
            return "\"\(ch(l0))\"" + (rest.isEmpty ? "" : " ( " + rest + " )")
        }
        let loRest = Array(lo.dropFirst()), hiRest = Array(hi.dropFirst())
        let loOpen = loRest.allSatisfy { $0 == UInt8(ascii: "0") }, hiOpen = hiRest.allSatisfy { $0 == UInt8(ascii: "9") }
        var alts: [String] = []
        // the first digit l0 with the rest at least loRest (any rest when loRest is all zeros)
        let first = loOpen ? l0 : l0 + 1
        let last = hiOpen ? h0 : h0 - 1
        if !loOpen { alts.append("\"\(ch(l0))\" ( " + sameLength(loRest, [UInt8](repeating: UInt8(ascii: "9"), count: n)) + " )") }
        if first <= last { alts.append("[\(ch(first))-\(ch(last))]" + anyTail) }
        if !hiOpen { alts.append("\"\(ch(h0))\" ( " + sameLength([UInt8](repeating: UInt8(ascii: "0"), count: n), hiRest) + " )") }
        return alts.joined(separator: " | ")
    }

    private mutating func string(_ s: JSONValue, name: String) throws -> String {
        if let f = s["format"]?.stringValue {
            let digit = "[0-9]"
            let date = "\(digit){4} \"-\" ( \"0\" [1-9] | \"1\" [0-2] ) \"-\" ( \"0\" [1-9] | [1-2] \(digit) | \"3\" [0-1] )"
            let time = "( [01] \(digit) | \"2\" [0-3] ) \":\" [0-5] \(digit) \":\" [0-5] \(digit) ( \".\" \(digit){1,6} )? ( \"Z\" | [+-] ( [01] \(digit) | \"2\" [0-3] ) \":\" [0-5] \(digit) )"
            let hex = "[0-9a-fA-F]"
            switch f {
            case "date": return rule(name, "\"\\\"\" \(date) \"\\\"\" space")
            case "time": return rule(name, "\"\\\"\" \(time) \"\\\"\" space")
            case "date-time": return rule(name, "\"\\\"\" \(date) \"T\" \(time) \"\\\"\" space")
            case "uuid": return rule(name, "\"\\\"\" \(hex){8} \"-\" \(hex){4} \"-\" \(hex){4} \"-\" \(hex){4} \"-\" \(hex){12} \"\\\"\" space")
            default: throw GrammarError("string format '\(f)' is not supported for constrained output (at '\(name)')")
            }
        }
        let lo = s["minLength"]?.intValue ?? 0
        let hi = s["maxLength"]?.intValue
        if lo == 0 && hi == nil { return "string" }
        guard lo >= 0, lo <= 10_000, (hi ?? lo) >= lo, (hi ?? 0) <= 10_000 else { throw GrammarError("string length bounds at '\(name)' are out of range") }
        return rule(name, "\"\\\"\" char{\(lo),\(hi.map(String.init) ?? "")} \"\\\"\" space")
    }

    private mutating func array(_ s: JSONValue, name: String) throws -> String {
        if let prefix = s["prefixItems"]?.arrayValue {
            let parts = try prefix.enumerated().map { try visit($1, name: "\(name)-\($0)") }
            let body = parts.isEmpty ? "" : parts.joined(separator: " \",\" space ")
            return rule(name, "\"[\" space \(body) \"]\" space")
        }
        let item = try s["items"].map { try visit($0, name: name + "-item") } ?? "value"
        let lo = s["minItems"]?.intValue ?? 0
        let hi = s["maxItems"]?.intValue
        guard lo >= 0, lo <= 1000, (hi ?? lo) >= lo, (hi ?? 0) <= 1000 else { throw GrammarError("item count bounds at '\(name)' are out of range") }
        if hi == 0 { return rule(name, "\"[\" space \"]\" space") }
        let more = "( \",\" space \(item) ){\(max(0, lo - 1)),\(hi.map { String($0 - 1) } ?? "")}"
        let list = "\(item) \(more)"
        return rule(name, "\"[\" space " + (lo == 0 ? "( \(list) )?" : list) + " \"]\" space")
    }

    private mutating func object(_ s: JSONValue, name: String) throws -> String {
        guard case .object(let props)? = s["properties"] else {
            let lo = s["minProperties"]?.intValue ?? 0, hi = s["maxProperties"]?.intValue
            guard lo >= 0, lo <= 1000, (hi ?? lo) >= lo, (hi ?? 0) <= 1000 else { throw GrammarError("property count bounds at '\(name)' are out of range") }
            let v: String
            if let extra = s["additionalProperties"], case .object = extra { v = try visit(extra, name: name + "-value") }
            else if lo == 0 && hi == nil { return "object" }
            else { v = "value" }
            if hi == 0 { return rule(name, "\"{\" space \"}\" space") }
            let kv = "string \":\" space \(v)"
            let list = "\(kv) ( \",\" space \(kv) ){\(max(0, lo - 1)),\(hi.map { String($0 - 1) } ?? "")}"
            // the keys of such a map are not checked for repeats
            return rule(name, "\"{\" space " + (lo == 0 ? "( \(list) )?" : list) + " \"}\" space")
        }
        for k in ["minProperties", "maxProperties"] where s[k] != nil {
            throw GrammarError("'\(k)' is supported only on maps (objects without 'properties'), at '\(name)'")
        }
        let required = (s["required"]?.arrayValue ?? []).compactMap(\.stringValue)
        let known = Set(props.map(\.0))
        for r in required where !known.contains(r) { throw GrammarError("'required' names '\(r)', which is not in 'properties' (at '\(name)')") }
        let optional = props.map(\.0).filter { !required.contains($0) }.sorted()
        func kv(_ key: String) throws -> String {
            let v = try visit(props.first { $0.0 == key }!.1, name: "\(name)-\(key)")
            return "\(Self.literal(JSONValue.quote(key))) space \":\" space \(v)"
        }
        let req = try required.map(kv)
        let opt = try optional.map(kv)
        var body = "\"{\" space "
        if !req.isEmpty {
            body += req.joined(separator: " \",\" space ")
            for o in opt { body += " ( \",\" space \(o) )?" }
        } else if !opt.isEmpty {
            // S_i: the optional properties from i on with none written before (kv_i T_{i+1} | S_{i+1});
            // T_i: the same after one was written (each behind a comma, each optional)
            var tails: [String] = []
            var t = ""
            for o in opt.reversed() {
                t = rule(name + "-after", "( \",\" space \(o) )?" + (t.isEmpty ? "" : " \(t)"))
                tails.insert(t, at: 0)
            }
            var startRule = ""
            for (i, o) in opt.enumerated().reversed() {
                let after = i + 1 < opt.count ? " \(tails[i + 1])" : ""
                startRule = rule(name + "-start", "\(o)\(after) | \(startRule)")
            }
            body += "\(startRule)"
        }
        return rule(name, body + " \"}\" space")
    }
}
