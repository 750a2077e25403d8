#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Filters, tests, functions, methods and operators of the chat-template Jinja subset.
enum JinjaBuiltins {
    /// `strftime_now(format)`: the instant (seconds since 1970; nil: now) in local time, formatted by C's strftime
    /// as Python's datetime.strftime formats it for the usual directives (%Y, %m, %d, %B, %b, %H, %M, …).
    static func strftimeNow(_ format: String, at instant: Double?) throws(TokenizerError) -> JinjaValue {
        var t = time_t(instant ?? Double(time(nil)))
        var parts = tm()
        guard localtime_r(&t, &parts) != nil else { throw .badChatTemplate("strftime_now: the time cannot be represented") }
        var buffer = [CChar](repeating: 0, count: 256)
        let n = buffer.withUnsafeMutableBufferPointer { strftime($0.baseAddress!, $0.count, format, &parts) }
        guard n > 0 || format.isEmpty else { throw .badChatTemplate("strftime_now: cannot format '\(format)'") }
        return .string(String(decoding: buffer.prefix(n).map { UInt8(bitPattern: $0) }, as: UTF8.self))
    }

    static func filter(_ name: String, _ v: JinjaValue, _ args: [JinjaValue], _ kwargs: [(String, JinjaValue)] = []) throws(TokenizerError) -> JinjaValue {
        func kw(_ k: String) -> JinjaValue? { kwargs.last { $0.0 == k }?.1 }
        switch name {
        case "trim": return .string(v.rendered.trimmingWhitespace())
        case "upper": return .string(v.rendered.uppercased())
        case "lower": return .string(v.rendered.lowercased())
        case "capitalize":
            let s = v.rendered
            return .string(s.prefix(1).uppercased() + s.dropFirst().lowercased())
        case "string": return .string(v.rendered)
        case "int":
            if case .double(let d) = v {
                guard d.isFinite, d > -9.2e18, d < 9.2e18 else { throw .badChatTemplate("cannot convert \(d) to an integer") }
                return .int(Int(d))
            }
            return .int(Int(v.rendered) ?? 0)
        case "length", "count":
            switch v {
            case .array(let a): return .int(a.count)
            case .object(let o, _): return .int(o.count)
            case .string(let s): return .int(s.count)
            default: return .int(0)
            }
        case "first":
            if case .array(let a) = v { return a.first ?? .undefined }
            return v.rendered.first.map { .string(String($0)) } ?? .undefined
        case "last":
            if case .array(let a) = v { return a.last ?? .undefined }
            return v.rendered.last.map { .string(String($0)) } ?? .undefined
        case "join":
            let sep = args.first?.rendered ?? ""
            if case .array(let a) = v { return .string(a.map(\.rendered).joined(separator: sep)) }
            return .string(v.rendered)
        case "default", "d":
            if case .undefined = v { return args.first ?? .string("") }
            return v
        case "tojson":
            // transformers' tojson: json.dumps(x, ensure_ascii=False, indent=indent)
            if case .int(let n) = kw("indent") ?? args.first ?? .none { return .string(v.json(indent: n)) }
            return .string(v.json(pretty: false))
        case "selectattr", "rejectattr":
            // selectattr("attr"), selectattr("attr", "test", arg...): items whose attribute passes the test
            guard case .array(let items) = v, let attr = args.first?.rendered else { return .array([]) }
            let testName = args.count > 1 ? args[1].rendered : "truthy"
            var out: [JinjaValue] = []
            for item in items {
                let a = attribute(item, attr)
                let ok = testName == "truthy" ? a.truthy : try test(testName, a, Array(args.dropFirst(2)))
                if ok == (name == "selectattr") { out.append(item) }
            }
            return .array(out)
        case "select", "reject":
            guard case .array(let items) = v else { return .array([]) }
            var out: [JinjaValue] = []
            for item in items {
                let ok = args.isEmpty ? item.truthy : try test(args[0].rendered, item, Array(args.dropFirst()))
                if ok == (name == "select") { out.append(item) }
            }
            return .array(out)
        case "map":
            guard case .array(let items) = v else { return .array([]) }
            if let attr = kw("attribute") { return .array(items.map { attribute($0, attr.rendered) }) }
            guard let f = args.first?.rendered else { return v }
            var out: [JinjaValue] = []
            for item in items { out.append(try filter(f, item, Array(args.dropFirst()))) }
            return .array(out)
        case "unique":
            guard case .array(let items) = v else { return v }
            var out: [JinjaValue] = []
            for item in items where !out.contains(where: { equal($0, item) }) { out.append(item) }
            return .array(out)
        case "items":
            if case .object(let o, let keys) = v { return .array(keys.map { .array([.string($0), o[$0] ?? .none]) }) }
            return .array([])
        case "list":
            if case .array = v { return v }
            if case .string(let s) = v { return .array(s.map { .string(String($0)) }) }
            return .array([])
        case "replace":
            guard args.count >= 2 else { throw .badChatTemplate("replace needs two arguments") }
            return .string(v.rendered.replacingAll(args[0].rendered, with: args[1].rendered))
        case "safe", "e", "escape":
            return v
        default:
            throw .badChatTemplate("unknown filter '\(name)'")
        }
    }

    /// Tests that take an argument without parentheses (`x is equalto y`).
    static let testsWithArgument: Set<String> = ["equalto", "eq", "==", "ne", "!=", "sameas", "divisibleby", "gt", "ge", "lt", "le",
                                                 ">", "<", ">=", "<=", "in"]

    /// An item's attribute or key (`.undefined` when it has none).
    static func attribute(_ v: JinjaValue, _ name: String) -> JinjaValue {
        if case .object(let o, _) = v { return o[name] ?? .undefined }
        return .undefined
    }

    static func test(_ name: String, _ v: JinjaValue, _ args: [JinjaValue] = []) throws(TokenizerError) -> Bool {
        let arg = args.first ?? .undefined
        switch name {
        case "equalto", "eq", "==", "sameas": return equal(v, arg)
        case "ne", "!=": return !equal(v, arg)
        case "gt", ">", "ge", ">=", "lt", "<", "le", "<=":
            guard let a = number(v), let b = number(arg) else { throw .badChatTemplate("test '\(name)' needs numbers") }
            switch name {
            case "gt", ">": return a > b
            case "ge", ">=": return a >= b
            case "lt", "<": return a < b
            default: return a <= b
            }
        case "divisibleby":
            guard case .int(let a) = v, case .int(let b) = arg, b != 0 else { return false }
            return a % b == 0
        case "in": return try binary("in", v, arg).truthy
        case "boolean": if case .bool = v { return true }; return false
        case "integer": if case .int = v { return true }; return false
        case "float": if case .double = v { return true }; return false
        case "odd": if case .int(let a) = v { return a % 2 != 0 }; return false
        case "even": if case .int(let a) = v { return a % 2 == 0 }; return false
        case "defined": if case .undefined = v { return false }; return true
        case "undefined": if case .undefined = v { return true }; return false
        case "none": if case .none = v { return true }; return false
        case "string": if case .string = v { return true }; return false
        case "number": switch v { case .int, .double: return true; default: return false }
        case "mapping": if case .object = v { return true }; return false
        case "iterable", "sequence": switch v { case .array, .string, .object: return true; default: return false }
        case "true": return v == .bool(true)
        case "false": return v == .bool(false)
        default: throw .badChatTemplate("unknown test '\(name)'")
        }
    }

    static func function(_ name: String, _ args: [JinjaValue], _ kwargs: [(String, JinjaValue)], budget: JinjaBudget) throws(TokenizerError) -> JinjaValue {
        switch name {
        case "raise_exception":
            throw .badChatTemplate(args.first?.rendered ?? "raise_exception called")
        case "namespace":
            return .dict(kwargs)
        case "range":
            let ints = args.compactMap { if case .int(let i) = $0 { i } else { nil } }
            guard ints.count == args.count, (1...3).contains(ints.count) else { throw .badChatTemplate("range takes one to three integers") }
            let start = ints.count == 1 ? 0 : ints[0], stop = ints.count == 1 ? ints[0] : ints[1]
            let step = ints.count == 3 ? ints[2] : 1
            guard step != 0 else { throw .badChatTemplate("range() step must not be zero") }
            // Python's len(range(start, stop, step)), in wide arithmetic so no bound can overflow.
            let span = step > 0 ? Double(stop) - Double(start) : Double(start) - Double(stop)
            let n = span <= 0 ? 0 : (span / Double(step.magnitude)).rounded(.up)
            try budget.items(n > Double(Int.max / 2) ? Int.max : Int(n))
            return .array(Array(stride(from: start, to: stop, by: step)).map { .int($0) })
        default:
            throw .badChatTemplate("unknown function '\(name)'")
        }
    }

    static func method(_ v: JinjaValue, _ name: String, _ args: [JinjaValue]) throws(TokenizerError) -> JinjaValue {
        if case .object(let o, let keys) = v {
            switch name {
            case "items": return .array(keys.map { .array([.string($0), o[$0] ?? .none]) })
            case "keys": return .array(keys.map { .string($0) })
            case "values": return .array(keys.map { o[$0] ?? .none })
            case "get": return o[args.first?.rendered ?? ""] ?? (args.count > 1 ? args[1] : .none)
            default: throw .badChatTemplate("unknown method '\(name)' on a mapping")
            }
        }
        guard case .string(let s) = v else { throw .badChatTemplate("cannot call '\(name)' on \(v.rendered)") }
        switch name {
        case "strip": return .string(s.trimmingWhitespace())
        case "lstrip":
            var u = Substring(s).unicodeScalars
            while let f = u.first, f.properties.isWhitespace { u.removeFirst() }
            return .string(String(u))
        case "rstrip":
            var u = Substring(s).unicodeScalars
            while let l = u.last, l.properties.isWhitespace { u.removeLast() }
            return .string(String(u))
        case "upper": return .string(s.uppercased())
        case "lower": return .string(s.lowercased())
        case "title": return .string(s.split(separator: " ", omittingEmptySubsequences: false).map { $0.prefix(1).uppercased() + $0.dropFirst().lowercased() }.joined(separator: " "))
        case "startswith": return .bool(s.hasPrefix(args.first?.rendered ?? ""))
        case "endswith": return .bool(s.hasSuffix(args.first?.rendered ?? ""))
        case "split":
            let sep = args.first?.rendered ?? " "
            return .array(s.splitAll(sep).map { .string($0) })
        case "replace":
            guard args.count >= 2 else { throw .badChatTemplate("replace needs two arguments") }
            return .string(s.replacingAll(args[0].rendered, with: args[1].rendered))
        default: throw .badChatTemplate("unknown string method '\(name)'")
        }
    }

    static func binary(_ op: String, _ l: JinjaValue, _ r: JinjaValue, budget: JinjaBudget = JinjaBudget(.standard)) throws(TokenizerError) -> JinjaValue {
        switch op {
        case "~": return .string(l.rendered + r.rendered)
        case "==": return .bool(equal(l, r))
        case "!=": return .bool(!equal(l, r))
        case "in":
            switch r {
            case .array(let a): return .bool(a.contains { equal($0, l) })
            case .object(let o, _): return .bool(o[l.rendered] != nil)
            case .string(let s): return .bool(s.contains(l.rendered))
            default: return .bool(false)
            }
        case "+":
            switch (l, r) {
            case (.string(let a), .string(let b)): return .string(a + b)
            case (.array(let a), .array(let b)): try budget.items(a.count + b.count); return .array(a + b)
            default: break
            }
        default: break
        }
        if case .int(let a) = l, case .int(let b) = r {
            func checked(_ r: (partialValue: Int, overflow: Bool)) throws(TokenizerError) -> JinjaValue {
                guard !r.overflow else { throw .badChatTemplate("integer overflow in \(a) \(op) \(b)") }
                return .int(r.partialValue)
            }
            switch op {
            case "+": return try checked(a.addingReportingOverflow(b))
            case "-": return try checked(a.subtractingReportingOverflow(b))
            case "*": return try checked(a.multipliedReportingOverflow(by: b))
            case "//", "%":
                // Python's floor division and modulo: the remainder takes the divisor's sign.
                guard b != 0 else { throw .badChatTemplate("division by zero") }
                let q = a.dividedReportingOverflow(by: b), m = a.remainderReportingOverflow(dividingBy: b)
                guard !q.overflow, !m.overflow else { throw .badChatTemplate("integer overflow in \(a) \(op) \(b)") }
                let adjust = m.partialValue != 0 && (m.partialValue < 0) != (b < 0)
                return .int(op == "//" ? q.partialValue - (adjust ? 1 : 0) : m.partialValue + (adjust ? b : 0))
            case "/": guard b != 0 else { throw .badChatTemplate("division by zero") }; return .double(Double(a) / Double(b))
            case "<": return .bool(a < b)
            case ">": return .bool(a > b)
            case "<=": return .bool(a <= b)
            case ">=": return .bool(a >= b)
            default: break
            }
        }
        if let a = number(l), let b = number(r) {
            switch op {
            case "+": return .double(a + b)
            case "-": return .double(a - b)
            case "*": return .double(a * b)
            case "/": return .double(a / b)
            case "<": return .bool(a < b)
            case ">": return .bool(a > b)
            case "<=": return .bool(a <= b)
            case ">=": return .bool(a >= b)
            default: break
            }
        }
        if case .string(let a) = l, case .string(let b) = r {
            switch op {
            case "<": return .bool(a < b)
            case ">": return .bool(a > b)
            default: break
            }
        }
        if op == "*", case .string(let s) = l, case .int(let n) = r {
            let bytes = s.utf8.count.multipliedReportingOverflow(by: max(0, n))
            guard !bytes.overflow, bytes.partialValue <= budget.limits.stringBytes else {
                throw .badChatTemplate("'\(s.prefix(20))' * \(n) exceeds the template's string limit of \(budget.limits.stringBytes) bytes")
            }
            return .string(String(repeating: s, count: max(0, n)))
        }
        throw .badChatTemplate("cannot apply '\(op)' to \(l.json(pretty: false)) and \(r.json(pretty: false))")
    }

    static func number(_ v: JinjaValue) -> Double? {
        switch v {
        case .int(let i): Double(i)
        case .double(let d): d
        default: nil
        }
    }

    static func equal(_ a: JinjaValue, _ b: JinjaValue) -> Bool {
        if let x = number(a), let y = number(b) { return x == y }
        return a == b
    }
}

extension String {
    func splitAll(_ sep: String) -> [String] {
        guard !sep.isEmpty else { return [self] }
        var out: [String] = []
        var rest = Substring(self)
        while let r = rest.range(of: sep) {
            out.append(String(rest[rest.startIndex..<r.lowerBound]))
            rest = rest[r.upperBound...]
        }
        out.append(String(rest))
        return out
    }

    func replacingAll(_ a: String, with b: String) -> String {
        guard !a.isEmpty else { return self }
        return splitAll(a).joined(separator: b)
    }
}
