/// A vocabulary prepared for grammar masks: the tokens' bytes in sorted order with the length of the prefix
/// each shares with the one before, so one pass over the sorted tokens walks the token trie, advancing the
/// grammar once per trie node and skipping every token under a prefix the grammar refuses. Built once per model
/// and shared.
public final class GrammarVocabulary: Sendable {
    public let pieces: [[UInt8]]
    let order: [Int32]
    let shared: [Int32]  // shared[k]: bytes token order[k] shares with order[k - 1]
    /// End-of-generation tokens: allowed exactly where the grammar's text is complete.
    public let endOfGeneration: Set<Int32>

    /// `pieces[id]`: the bytes token id stands for (empty for control tokens, which a grammar never allows).
    public init(pieces: [[UInt8]], endOfGeneration: Set<Int32>) {
        self.pieces = pieces
        self.endOfGeneration = endOfGeneration
        let order = pieces.indices.filter { !pieces[$0].isEmpty }.sorted { pieces[$0].lexicographicallyPrecedes(pieces[$1]) }.map(Int32.init)
        var shared = [Int32](repeating: 0, count: order.count)
        for k in order.indices.dropFirst() {
            let a = pieces[Int(order[k - 1])], b = pieces[Int(order[k])]
            var n = 0
            while n < a.count, n < b.count, a[n] == b[n] { n += 1 }
            shared[k] = Int32(n)
        }
        self.order = order
        self.shared = shared
    }
}

/// One sequence's grammar constraint: which tokens may come next, and the state after each chosen token.
/// Masks are cached per grammar state (a JSON string's inside, say, is one state however long the string).
public final class TokenConstraint {
    public let matcher: GrammarMatcher
    public let vocabulary: GrammarVocabulary
    public private(set) var cursor: GrammarCursor
    private var masks: [GrammarCursor: [UInt64]] = [:]
    public static let maxCachedMasks = 256

    public init(grammar: Grammar, vocabulary: GrammarVocabulary) {
        matcher = GrammarMatcher(grammar)
        self.vocabulary = vocabulary
        cursor = GrammarCursor(state: matcher.start)
    }

    /// Whether the text so far is complete (end-of-generation allowed).
    public var isComplete: Bool { cursor.isAccepting(matcher) }

    /// Whether nothing can follow: complete, and no token continues it.
    public var isFinished: Bool { isComplete && mask().allSatisfy { $0 == 0 } }

    /// The cursor after `token` from the present one (dead when not allowed). End-of-generation tokens keep it.
    public func after(_ token: Int32) -> GrammarCursor {
        if vocabulary.endOfGeneration.contains(token) { return isComplete ? cursor : GrammarCursor(state: 0) }
        guard token >= 0, Int(token) < vocabulary.pieces.count else { return GrammarCursor(state: 0) }
        let bytes = vocabulary.pieces[Int(token)]
        guard !bytes.isEmpty else { return GrammarCursor(state: 0) }
        var c = cursor
        for b in bytes where !c.feed(b, matcher) { return c }
        return c
    }

    /// Whether `token` may come next.
    public func allows(_ token: Int32) -> Bool { !after(token).isDead }

    /// Moves past `token` (which must be allowed).
    public func accept(_ token: Int32) {
        if vocabulary.endOfGeneration.contains(token) { return }
        cursor = after(token)
    }

    /// Bit t set when token t may come next (end-of-generation tokens when the text is complete).
    public func mask() -> [UInt64] {
        if let m = masks[cursor] { return m }
        let v = vocabulary
        var bits = [UInt64](repeating: 0, count: (v.pieces.count + 63) / 64)
        var path: [GrammarCursor] = [cursor]  // path[d]: cursor after the first d bytes of the current token
        path.reserveCapacity(64)
        var k = 0
        let n = v.order.count
        while k < n {
            let id = Int(v.order[k])
            let bytes = v.pieces[id]
            var d = min(Int(v.shared[k]), path.count - 1)
            path.removeLast(path.count - 1 - d)
            var dead = false
            while d < bytes.count {
                var c = path[d]
                if !c.feed(bytes[d], matcher) { dead = true; break }
                path.append(c)
                d += 1
            }
            if !dead {
                bits[id >> 6] |= 1 << UInt64(id & 63)
                k += 1
                continue
            }
            // Every following token that shares these d + 1 bytes is refused too.
            let depth = d + 1
            k += 1
            while k < n, Int(v.shared[k]) >= depth { k += 1 }
        }
        if isComplete { for t in v.endOfGeneration where Int(t) < v.pieces.count { bits[Int(t) >> 6] |= 1 << UInt64(Int(t) & 63) } }
        if masks.count >= Self.maxCachedMasks { masks.removeAll(keepingCapacity: true) }
        masks[cursor] = bits
        return bits
    }

    /// Sets the logits of every token not allowed next to -inf.
    public func apply(to logits: UnsafeMutableBufferPointer<Float>) {
        let m = mask()
        for i in 0..<logits.count where (i >> 6) >= m.count || m[i >> 6] & (1 << UInt64(i & 63)) == 0 { logits[i] = -.infinity }
    }
}
