/// Runs a `Grammar` over code points: a state is a set of stacks of positions (rule, alternative, element),
/// each stack's top a character class still to match, as llama.cpp's grammar stacks; the empty stack means the
/// text so far is a whole sentence. States are interned, so a state is an integer and each transition
/// (state, code point) is computed once and then looked up. Not thread-safe: one per sequence.
public final class GrammarMatcher {
    public let grammar: Grammar
    typealias Stack = [UInt64]

    private var states: [[Stack]] = [[]]  // state 0: dead (no stack)
    private var ids: [[Stack]: Int32] = [[]: 0]
    private var accepting: [Bool] = [false]
    private var transitions: [UInt64: Int32] = [:]
    /// ASCII transitions of the first `denseStates` states in a flat table (state × 128 + byte → next state + 1;
    /// 0: not computed yet): the token masks walk these millions of times, a hash lookup each would dominate.
    private var dense: UnsafeMutablePointer<Int32>
    private var denseCapacity = 0  // states the table has room for
    static let denseStates = 8192
    /// The start state.
    public private(set) var start: Int32 = 0
    /// Most stacks one state may hold, and most states in all (beyond: an error state, the grammar too ambiguous).
    public static let maxStacks = 4096
    public static let maxStates = 200_000
    public private(set) var overflowed = false

    public init(_ grammar: Grammar) {
        self.grammar = grammar
        denseCapacity = 64
        dense = .allocate(capacity: denseCapacity * 128)
        dense.initialize(repeating: 0, count: denseCapacity * 128)
        var out = Set<Stack>()
        for (b, alt) in grammar.rules[grammar.root].enumerated() {
            if alt.isEmpty { out.insert([]) } else { expand([Self.pack(grammar.root, b, 0)], into: &out) }
        }
        start = intern(out)
    }

    static func pack(_ r: Int, _ a: Int, _ i: Int) -> UInt64 { UInt64(r) << 40 | UInt64(a) << 24 | UInt64(i) }
    static func unpack(_ p: UInt64) -> (Int, Int, Int) { (Int(p >> 40), Int(p >> 24 & 0xFFFF), Int(p & 0xFF_FFFF)) }

    /// All stacks reachable from `stack` without consuming input whose top is a character class (or empty).
    private func expand(_ stack: Stack, into out: inout Set<Stack>) {
        guard out.count <= Self.maxStacks else { overflowed = true; return }
        guard let top = stack.last else { out.insert(stack); return }
        let (r, a, i) = Self.unpack(top)
        let seq = grammar.rules[r][a]
        switch seq[i] {
        case .chars:
            out.insert(stack)
        case .rule(let q):
            var base = stack
            base.removeLast()
            if i + 1 < seq.count { base.append(Self.pack(r, a, i + 1)) }
            for (b, alt) in grammar.rules[q].enumerated() {
                if alt.isEmpty { expand(base, into: &out) } else { expand(base + [Self.pack(q, b, 0)], into: &out) }
            }
        }
    }

    private func intern(_ set: Set<Stack>) -> Int32 {
        if set.isEmpty || overflowed { return 0 }
        let key = set.sorted { $0.lexicographicallyPrecedes($1) }
        if let id = ids[key] { return id }
        guard states.count < Self.maxStates else { overflowed = true; return 0 }
        let id = Int32(states.count)
        states.append(key)
        accepting.append(key.contains { $0.isEmpty })
        ids[key] = id
        return id
    }

    deinit { dense.deallocate() }

    /// Whether the text that led to `state` is a whole sentence of the grammar.
    public func isAccepting(_ state: Int32) -> Bool { accepting[Int(state)] }

    /// The state after code point `c` (0: not allowed).
    @inline(__always)
    public func advance(_ state: Int32, _ c: UInt32) -> Int32 {
        if state == 0 { return 0 }
        if c < 128, Int(state) < denseCapacity {
            let t = dense[Int(state) << 7 | Int(c)]
            if t != 0 { return t - 1 }
        }
        return advanceSlow(state, c)
    }

    private func advanceSlow(_ state: Int32, _ c: UInt32) -> Int32 {
        let key = UInt64(UInt32(state)) << 21 | UInt64(c & 0x1F_FFFF)
        if let t = transitions[key] {
            remember(state, c, t)
            return t
        }
        var out = Set<Stack>()
        for stack in states[Int(state)] {
            guard let top = stack.last else { continue }
            let (r, a, i) = Self.unpack(top)
            let seq = grammar.rules[r][a]
            guard seq[i].matches(c) else { continue }
            var s = stack
            s.removeLast()
            if i + 1 < seq.count { s.append(Self.pack(r, a, i + 1)) }
            expand(s, into: &out)
        }
        let t = intern(out)
        transitions[key] = t
        remember(state, c, t)
        return t
    }

    /// Puts an ASCII transition into the flat table, growing it (by doubling, up to `denseStates`) to hold the state.
    private func remember(_ state: Int32, _ c: UInt32, _ t: Int32) {
        guard c < 128, Int(state) < Self.denseStates else { return }
        if Int(state) >= denseCapacity {
            var n = denseCapacity
            while n <= Int(state) { n *= 2 }
            n = min(n, Self.denseStates)
            let grown = UnsafeMutablePointer<Int32>.allocate(capacity: n * 128)
            grown.initialize(from: dense, count: denseCapacity * 128)
            (grown + denseCapacity * 128).initialize(repeating: 0, count: (n - denseCapacity) * 128)
            dense.deallocate()
            dense = grown
            denseCapacity = n
        }
        dense[Int(state) << 7 | Int(c)] = t + 1
    }

    /// Whether some stack of `state` could take a code point in `range` (for a token that ends inside a
    /// multi-byte character).
    public func mayContinue(_ state: Int32, within range: ClosedRange<UInt32>) -> Bool {
        states[Int(state)].contains { stack in
            guard let top = stack.last else { return false }
            let (r, a, i) = Self.unpack(top)
            return grammar.rules[r][a][i].intersects(range)
        }
    }
}

/// A position in UTF-8 text fed byte by byte to a matcher: the grammar state after the complete characters,
/// and the bytes of a character not yet complete.
public struct GrammarCursor: Sendable, Hashable {
    public var state: Int32
    public var pending: UInt32 = 0  // bytes of an incomplete character, first byte lowest
    public var pendingCount: UInt8 = 0

    public init(state: Int32) { self.state = state }

    public var isDead: Bool { state == 0 }

    /// Feeds one byte; false (and a dead cursor) when it breaks UTF-8 or the grammar.
    public mutating func feed(_ b: UInt8, _ m: GrammarMatcher) -> Bool {
        if pendingCount == 0 {
            if b < 0x80 { state = m.advance(state, UInt32(b)); return state != 0 }
            guard b >= 0xC2, b <= 0xF4 else { state = 0; return false }
            pending = UInt32(b)
            pendingCount = 1
        } else {
            guard b & 0xC0 == 0x80 else { state = 0; return false }
            pending |= UInt32(b) << (8 * UInt32(pendingCount))
            pendingCount += 1
        }
        let lead = UInt8(pending & 0xFF)
        let need: UInt8 = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2
        if pendingCount < need {
            guard let r = range(need) else { state = 0; return false }
            if !m.mayContinue(state, within: r) { state = 0; return false }
            return true
        }
        var c = UInt32(lead) & (need == 2 ? 0x1F : need == 3 ? 0x0F : 0x07)
        for k in 1..<Int(need) { c = c << 6 | (pending >> (8 * UInt32(k)) & 0x3F) }
        pending = 0
        pendingCount = 0
        // overlong forms, surrogates and values past U+10FFFF are not characters
        let minimum: UInt32 = need == 2 ? 0x80 : need == 3 ? 0x800 : 0x10000
        guard c >= minimum, c <= 0x10FFFF, !(0xD800...0xDFFF).contains(c) else { state = 0; return false }
        state = m.advance(state, c)
        return state != 0
    }

    /// The code points an incomplete character of `need` bytes could still become.
    private func range(_ need: UInt8) -> ClosedRange<UInt32>? {
        var lo = UInt32(pending & 0xFF) & (need == 2 ? 0x1F : need == 3 ? 0x0F : 0x07), hi = lo
        for k in 1..<Int(need) {
            if k < Int(pendingCount) {
                let bits = pending >> (8 * UInt32(k)) & 0x3F
                lo = lo << 6 | bits
                hi = hi << 6 | bits
            } else {
                lo <<= 6
                hi = hi << 6 | 0x3F
            }
        }
        // the shortest form only (no overlong encodings), no surrogates' block past the limit
        lo = max(lo, need == 2 ? 0x80 : need == 3 ? 0x800 : 0x10000)
        hi = min(hi, 0x10FFFF)
        return lo <= hi ? lo...hi : nil
    }

    /// Whether the text so far is a whole sentence (and ends on a complete character).
    public func isAccepting(_ m: GrammarMatcher) -> Bool { pendingCount == 0 && m.isAccepting(state) }
}
