/// A compiled chat template: the Jinja subset chat templates use (for/if/elif/else/set with namespaces,
/// macros, loop variables, filters such as trim and tojson, string methods, `raise_exception`, `strftime_now`).
public struct JinjaTemplate: Sendable {
    indirect enum Node: @unchecked Sendable {
        case text(String)
        case output(JinjaExpr)
        case ifBlock([(JinjaExpr, [Node])], [Node])
        case forBlock([String], JinjaExpr, JinjaExpr?, [Node], [Node])
        case set([String], JinjaExpr)
        case setBlock(String, [Node])
        /// `{% macro name(a, b=default) %}…{% endmacro %}`: parameters with optional defaults, and the body.
        case macro(String, [(String, JinjaExpr?)], [Node])
    }

    let nodes: [Node]

    public init(_ source: String) throws(TokenizerError) {
        var p = BlockParser(pieces: try JinjaLexer.pieces(source))
        let (nodes, end) = try p.parse(until: [])
        guard end == nil else { throw .badChatTemplate("unexpected '{% \(end!) %}'") }
        self.nodes = nodes
    }

    /// Renders the template with the given variables.
    /// `now`: seconds since 1970 that `strftime_now(format)` formats in local time (transformers' global:
    /// `datetime.now().strftime(format)`); tests pass a fixed instant. `limits` bound the render's work.
    public func render(_ context: [String: JinjaValue], now: Double? = nil, limits: JinjaLimits = .standard) throws(TokenizerError) -> String {
        let interp = JinjaInterpreter(globals: context, now: now, limits: limits)
        var out = ""
        try interp.run(nodes, into: &out)
        return out
    }
}

/// Turns lexer pieces into a node tree.
struct BlockParser {
    let pieces: [JinjaPiece]
    var i = 0
    /// Current nesting of blocks, bounded by `JinjaLimits.parseDepth`.
    var depth = 0

    init(pieces: [JinjaPiece]) { self.pieces = pieces }

    /// Parses nodes until a statement whose keyword is in `terminators`; returns it (nil at the end).
    mutating func parse(until terminators: Set<String>) throws(TokenizerError) -> ([JinjaTemplate.Node], String?) {
        depth += 1
        defer { depth -= 1 }
        if depth > JinjaLimits.standard.parseDepth { throw .badChatTemplate("blocks nested more than \(JinjaLimits.standard.parseDepth) deep") }
        var nodes: [JinjaTemplate.Node] = []
        while i < pieces.count {
            let piece = pieces[i]
            i += 1
            switch piece {
            case .text(let t): nodes.append(.text(t))
            case .output(let src):
                var p = try JinjaParser(src)
                let e = try p.expression()
                guard p.atEnd else { throw .badChatTemplate("unexpected \(p.peek) in '{{ \(src) }}'") }
                nodes.append(.output(e))
            case .statement(let src):
                var p = try JinjaParser(src)
                let kw = try p.name()
                if terminators.contains(kw) { return (nodes, src) }
                switch kw {
                case "if":
                    var branches: [(JinjaExpr, [JinjaTemplate.Node])] = []
                    var cond = try p.expression()
                    var elseBody: [JinjaTemplate.Node] = []
                    while true {
                        let (body, end) = try parse(until: ["elif", "else", "endif"])
                        branches.append((cond, body))
                        guard let end else { throw .badChatTemplate("missing '{% endif %}'") }
                        if end.hasPrefix("elif") {
                            var q = try JinjaParser(end)
                            _ = try q.name()
                            cond = try q.expression()
                        } else if end.hasPrefix("else") {
                            let (b, e2) = try parse(until: ["endif"])
                            guard e2 != nil else { throw .badChatTemplate("missing '{% endif %}'") }
                            elseBody = b
                            break
                        } else {
                            break
                        }
                    }
                    nodes.append(.ifBlock(branches, elseBody))
                case "for":
                    var vars = [try p.name()]
                    while p.accept(",") { vars.append(try p.name()) }
                    try p.expect("in")
                    let iter = try p.orExpr()
                    let filter: JinjaExpr? = p.accept("if") ? try p.expression() : nil
                    let (body, end) = try parse(until: ["else", "endfor"])
                    guard let end else { throw .badChatTemplate("missing '{% endfor %}'") }
                    var elseBody: [JinjaTemplate.Node] = []
                    if end.hasPrefix("else") {
                        let (b, e2) = try parse(until: ["endfor"])
                        guard e2 != nil else { throw .badChatTemplate("missing '{% endfor %}'") }
                        elseBody = b
                    }
                    nodes.append(.forBlock(vars, iter, filter, body, elseBody))
                case "set":
                    var target = [try p.name()]
                    while p.accept(".") { target.append(try p.name()) }
                    if p.accept("=") {
                        nodes.append(.set(target, try p.expression()))
                    } else {
                        let (body, end) = try parse(until: ["endset"])
                        guard end != nil else { throw .badChatTemplate("missing '{% endset %}'") }
                        nodes.append(.setBlock(target[0], body))
                    }
                case "macro":
                    let name = try p.name()
                    try p.expect("(")
                    var params: [(String, JinjaExpr?)] = []
                    while !p.accept(")") {
                        if !params.isEmpty { try p.expect(",") }
                        let param = try p.name()
                        params.append((param, p.accept("=") ? try p.expression() : nil))
                    }
                    let (body, end) = try parse(until: ["endmacro"])
                    guard end != nil else { throw .badChatTemplate("missing '{% endmacro %}' for macro '\(name)'") }
                    nodes.append(.macro(name, params, body))
                case "generation", "endgeneration":
                    break
                default:
                    throw .badChatTemplate("unsupported statement '{% \(src) %}'")
                }
            }
        }
        return (nodes, nil)
    }
}
