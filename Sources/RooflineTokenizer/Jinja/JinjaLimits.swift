/// Bounds on what one template render may do, so that a template shipped inside a model file cannot hang,
/// exhaust memory or overflow the stack: each is a clean `TokenizerError.badChatTemplate` when exceeded.
public struct JinjaLimits: Sendable {
    /// Nesting of expressions (parentheses, `not`, unary minus, subscripts) and of blocks in the parser.
    public var parseDepth = 256
    /// Nesting of containers in a value built by the template (lists in lists, namespaces in namespaces).
    public var valueDepth = 128
    /// Nested macro calls.
    public var macroDepth = 32
    /// Evaluation steps: expressions evaluated, loop iterations and container elements measured.
    public var steps = 10_000_000
    /// The largest string or rendered output, in UTF-8 bytes.
    public var stringBytes = 32 << 20
    /// The most elements in one list (`range`, concatenation, repetition).
    public var listItems = 1 << 20
    /// Bytes of strings produced over the whole render.
    public var producedBytes = 512 << 20

    public init() {}

    public static let standard = JinjaLimits()
}

/// Counts what a render has used against its `JinjaLimits`.
struct JinjaBudget {
    let limits: JinjaLimits
    var steps = 0
    var produced = 0

    init(_ limits: JinjaLimits) { self.limits = limits }

    mutating func step(_ n: Int = 1) throws(TokenizerError) {
        steps &+= n
        if steps > limits.steps { throw .badChatTemplate("the template ran more than \(limits.steps) evaluation steps") }
    }

    /// Charges a value the template produced: strings by their bytes, containers by their elements and depth.
    mutating func charge(_ v: JinjaValue) throws(TokenizerError) {
        try step()
        switch v {
        case .string(let s): try string(s.utf8.count)
        case .array, .object:
            var bytes = 0
            try measure(v, depth: 0, bytes: &bytes)
        default: break
        }
    }

    mutating func string(_ bytes: Int) throws(TokenizerError) {
        if bytes > limits.stringBytes { throw .badChatTemplate("a string of \(bytes) bytes exceeds the template limit of \(limits.stringBytes)") }
        produced &+= bytes
        if produced > limits.producedBytes { throw .badChatTemplate("the template produced more than \(limits.producedBytes) bytes of strings") }
    }

    /// Checks that a count of list elements about to be built is within bounds (before allocating them).
    func items(_ n: Int) throws(TokenizerError) {
        if n > limits.listItems { throw .badChatTemplate("a list of \(n) items exceeds the template limit of \(limits.listItems)") }
    }

    /// Walks a container: its depth, element count and the bytes of the strings it holds (so that rendering it
    /// is bounded too) stay within the limits.
    private mutating func measure(_ v: JinjaValue, depth: Int, bytes: inout Int) throws(TokenizerError) {
        if depth > limits.valueDepth { throw .badChatTemplate("a value nested more than \(limits.valueDepth) deep") }
        switch v {
        case .array(let a):
            try items(a.count)
            try step(a.count)
            for x in a { try measure(x, depth: depth + 1, bytes: &bytes) }
        case .object(let o, let keys):
            try step(o.count)
            for k in keys { bytes &+= k.utf8.count }
            for x in o.values { try measure(x, depth: depth + 1, bytes: &bytes) }
        case .string(let s):
            bytes &+= s.utf8.count
        default:
            bytes &+= 8
        }
        if bytes > limits.stringBytes { throw .badChatTemplate("a value holding more than \(limits.stringBytes) bytes") }
    }
}

extension JinjaValue {
    var isContainer: Bool {
        switch self {
        case .array, .object: true
        default: false
        }
    }
}
