/// Evaluates template nodes and expressions with Python-like semantics.
final class JinjaInterpreter {
    var scopes: [[String: JinjaValue]]

    /// The instant `strftime_now` formats (nil: the current time).
    let now: Double?
    /// Macros defined so far: parameters (with default expressions) and bodies.
    var macros: [String: ([(String, JinjaExpr?)], [JinjaTemplate.Node])] = [:]

    /// What this render has used of its limits.
    var budget: JinjaBudget
    var macroDepth = 0

    init(globals: [String: JinjaValue], now: Double? = nil, limits: JinjaLimits = .standard) {
        scopes = [globals]
        self.now = now
        budget = JinjaBudget(limits)
    }

    /// Appends rendered text to the output, within the string limit.
    func emit(_ text: String, into out: inout String) throws(TokenizerError) {
        let total = out.utf8.count + text.utf8.count
        if total > budget.limits.stringBytes { throw .badChatTemplate("the rendered text exceeds \(budget.limits.stringBytes) bytes") }
        out += text
    }

    func lookup(_ name: String) -> JinjaValue {
        for s in scopes.reversed() { if let v = s[name] { return v } }
        return .undefined
    }

    func assign(_ name: String, _ v: JinjaValue) { scopes[scopes.count - 1][name] = v }

    func run(_ nodes: [JinjaTemplate.Node], into out: inout String) throws(TokenizerError) {
        for n in nodes {
            switch n {
            case .text(let t): try emit(t, into: &out)
            case .output(let e): try emit(try eval(e).rendered, into: &out)
            case .ifBlock(let branches, let elseBody):
                var done = false
                for (c, body) in branches where try eval(c).truthy {
                    try run(body, into: &out)
                    done = true
                    break
                }
                if !done { try run(elseBody, into: &out) }
            case .forBlock(let vars, let iterExpr, let filter, let body, let elseBody):
                var items: [JinjaValue]
                switch try eval(iterExpr) {
                case .array(let a): items = a
                case .object(let o, let keys): items = keys.map { .string($0) }; _ = o
                case .string(let s): items = s.map { .string(String($0)) }
                case .undefined, .none: items = []
                case let v: throw .badChatTemplate("cannot loop over \(v.rendered)")
                }
                if let filter {
                    var kept: [JinjaValue] = []
                    for it in items {
                        scopes.append([:])
                        bind(vars, it)
                        let ok = try eval(filter).truthy
                        scopes.removeLast()
                        if ok { kept.append(it) }
                    }
                    items = kept
                }
                if items.isEmpty { try run(elseBody, into: &out); continue }
                for (idx, it) in items.enumerated() {
                    try budget.step()
                    scopes.append([:])
                    bind(vars, it)
                    assign("loop", .dict([
                        ("index", .int(idx + 1)), ("index0", .int(idx)), ("first", .bool(idx == 0)),
                        ("last", .bool(idx == items.count - 1)), ("length", .int(items.count)),
                        ("revindex", .int(items.count - idx)), ("revindex0", .int(items.count - idx - 1)),
                        ("previtem", idx > 0 ? items[idx - 1] : .undefined),
                        ("nextitem", idx + 1 < items.count ? items[idx + 1] : .undefined),
                    ]))
                    do {
                        try run(body, into: &out)
                    } catch {
                        scopes.removeLast()
                        throw error
                    }
                    // Assignments inside a loop body stay in the loop (Jinja scoping), except namespaces.
                    scopes.removeLast()
                }
            case .set(let target, let e):
                let v = try eval(e)
                if target.count == 1 {
                    assign(target[0], v)
                } else {
                    // namespace attribute: find the scope that holds the object and update it there
                    for si in stride(from: scopes.count - 1, through: 0, by: -1) {
                        if case .object(var o, var keys) = scopes[si][target[0]] {
                            if o[target[1]] == nil { keys.append(target[1]) }
                            o[target[1]] = v
                            let updated = JinjaValue.object(o, keys: keys)
                            try budget.charge(updated)
                            scopes[si][target[0]] = updated
                            break
                        }
                    }
                }
            case .setBlock(let name, let body):
                var s = ""
                try run(body, into: &s)
                assign(name, .string(s))
            case .macro(let name, let params, let body):
                macros[name] = (params, body)
            }
        }
    }

    /// A macro call: arguments by position, then by name, then the defaults (evaluated at the call, in the
    /// caller's scope); the rendered body is the value. Too many or unknown arguments are errors, as in Jinja.
    func callMacro(_ name: String, _ params: [(String, JinjaExpr?)], _ body: [JinjaTemplate.Node],
                   _ args: [JinjaValue], _ kwargs: [(String, JinjaValue)]) throws(TokenizerError) -> JinjaValue {
        guard args.count <= params.count else { throw .badChatTemplate("macro '\(name)' takes \(params.count) arguments, got \(args.count)") }
        if let unknown = kwargs.first(where: { k in !params.contains { $0.0 == k.0 } }) {
            throw .badChatTemplate("macro '\(name)' has no parameter '\(unknown.0)'")
        }
        var frame: [String: JinjaValue] = [:]
        for (i, (param, def)) in params.enumerated() {
            if i < args.count { frame[param] = args[i] } else if let v = kwargs.last(where: { $0.0 == param }) { frame[param] = v.1 }
            else if let def { frame[param] = try eval(def) } else { frame[param] = .undefined }
        }
        guard macroDepth < budget.limits.macroDepth else { throw .badChatTemplate("macro '\(name)' nests more than \(budget.limits.macroDepth) calls deep") }
        scopes.append(frame)
        macroDepth += 1
        defer { scopes.removeLast(); macroDepth -= 1 }
        var out = ""
        try run(body, into: &out)
        return .string(out)
    }

    func bind(_ vars: [String], _ item: JinjaValue) {
        if vars.count == 1 { assign(vars[0], item); return }
        if case .array(let parts) = item {
            for (i, v) in vars.enumerated() { assign(v, i < parts.count ? parts[i] : .undefined) }
        }
    }

    /// Evaluates an expression, charging what it builds to the render's budget: values that are only read
    /// (names, attributes, items) cost a step; new strings and containers cost their size.
    func eval(_ e: JinjaExpr) throws(TokenizerError) -> JinjaValue {
        let v = try evaluate(e)
        switch e {
        case .literal, .name, .attribute, .index: try budget.step()
        case .slice: try budget.step(v.isContainer ? 1 + v.count : 1)
        default: try budget.charge(v)
        }
        return v
    }

    private func evaluate(_ e: JinjaExpr) throws(TokenizerError) -> JinjaValue {
        switch e {
        case .literal(let v): return v
        case .name(let n):
            // The globals transformers defines are defined (`strftime_now is defined` picks the date branch of
            // Llama 3.x templates); as a value they read like Python's function repr.
            let v = lookup(n)
            if case .undefined = v, ["raise_exception", "strftime_now", "range", "namespace"].contains(n) { return .string("<function \(n)>") }
            return v
        case .list(let items):
            var a: [JinjaValue] = []
            for x in items { a.append(try eval(x)) }
            return .array(a)
        case .dict(let pairs):
            var kv: [(String, JinjaValue)] = []
            for (k, v) in pairs { kv.append((try eval(k).rendered, try eval(v))) }
            return .dict(kv)
        case .attribute(let base, let name):
            let b = try eval(base)
            if case .object(let o, _) = b { return o[name] ?? .undefined }
            return .undefined
        case .index(let base, let idx):
            return try index(try eval(base), try eval(idx))
        case .slice(let base, let from, let to, let step):
            let b = try eval(base)
            let f = try from.map { x throws(TokenizerError) in try eval(x) }
            let t = try to.map { x throws(TokenizerError) in try eval(x) }
            let st = try step.map { x throws(TokenizerError) in try eval(x) }
            return try slice(b, f, t, st)
        case .call(let callee, let args, let kwargs):
            var a: [JinjaValue] = []
            for x in args { a.append(try eval(x)) }
            var kw: [(String, JinjaValue)] = []
            for (k, x) in kwargs { kw.append((k, try eval(x))) }
            if case .attribute(let base, let method) = callee {
                return try JinjaBuiltins.method(try eval(base), method, a)
            }
            if case .name(let fn) = callee {
                if let (params, body) = macros[fn] { return try callMacro(fn, params, body, a, kw) }
                if fn == "strftime_now" { return try JinjaBuiltins.strftimeNow(a.first?.rendered ?? "", at: now) }
                return try JinjaBuiltins.function(fn, a, kw, budget: budget)
            }
            throw .badChatTemplate("cannot call this expression")
        case .filter(let base, let name, let args, let kwargs):
            var a: [JinjaValue] = []
            for x in args { a.append(try eval(x)) }
            var kw: [(String, JinjaValue)] = []
            for (k, x) in kwargs { kw.append((k, try eval(x))) }
            return try JinjaBuiltins.filter(name, try eval(base), a, kw)
        case .test(let base, let name, let args, let negated):
            var a: [JinjaValue] = []
            for x in args { a.append(try eval(x)) }
            let r = try JinjaBuiltins.test(name, try eval(base), a)
            return .bool(negated ? !r : r)
        case .unary(let op, let x):
            let v = try eval(x)
            switch op {
            case "not": return .bool(!v.truthy)
            default:
                if case .int(let i) = v {
                    guard i != .min else { throw .badChatTemplate("integer overflow in -(\(i))") }
                    return .int(-i)
                }
                if case .double(let d) = v { return .double(-d) }
                throw .badChatTemplate("cannot negate \(v.rendered)")
            }
        case .binary(let op, let l, let r):
            if op == "and" { let a = try eval(l); return a.truthy ? try eval(r) : a }
            if op == "or" { let a = try eval(l); return a.truthy ? a : try eval(r) }
            return try JinjaBuiltins.binary(op, try eval(l), try eval(r), budget: budget)
        case .ternary(let v, let cond, let other):
            return try eval(cond).truthy ? try eval(v) : (try other.map { x throws(TokenizerError) in try eval(x) } ?? .undefined)
        }
    }

    func index(_ b: JinjaValue, _ i: JinjaValue) throws(TokenizerError) -> JinjaValue {
        switch (b, i) {
        case (.array(let a), .int(let n)):
            let k = n < 0 ? a.count + n : n
            return k >= 0 && k < a.count ? a[k] : .undefined
        case (.object(let o, _), .string(let k)): return o[k] ?? .undefined
        case (.string(let s), .int(let n)):
            let chars = Array(s)
            let k = n < 0 ? chars.count + n : n
            return k >= 0 && k < chars.count ? .string(String(chars[k])) : .undefined
        default: return .undefined
        }
    }

    /// Python's slice semantics (negative indices and steps, bounds clamped).
    func slice(_ b: JinjaValue, _ f: JinjaValue?, _ t: JinjaValue?, _ st: JinjaValue?) throws(TokenizerError) -> JinjaValue {
        func int(_ v: JinjaValue?) -> Int? { if case .int(let x) = v ?? .undefined { return x }; return nil }
        let step = int(st) ?? 1
        guard step != 0 else { throw .badChatTemplate("slice step cannot be zero") }
        func indices(_ n: Int) -> [Int] {
            func clamp(_ v: Int?, _ lo: Int, _ hi: Int, _ d: Int) -> Int {
                guard let v else { return d }
                return min(max(v < 0 ? v + n : v, lo), hi)
            }
            if step > 0 {
                let a = clamp(int(f), 0, n, 0), z = clamp(int(t), 0, n, n)
                return a < z ? Array(stride(from: a, to: z, by: step)) : []
            }
            let a = clamp(int(f), -1, n - 1, n - 1), z = clamp(int(t), -1, n - 1, -1)
            return a > z ? Array(stride(from: a, to: z, by: step)) : []
        }
        switch b {
        case .array(let a): return .array(indices(a.count).map { a[$0] })
        case .string(let s): let c = Array(s); return .string(String(indices(c.count).map { c[$0] }))
        default: return .undefined
        }
    }
}
