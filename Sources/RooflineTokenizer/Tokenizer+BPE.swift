import HeapModule

/// Byte-level BPE (llama.cpp `llm_tokenizer_bpe_session::tokenize`): pre-tokenize, map bytes to
/// GPT-2's printable characters, then repeatedly merge the adjacent pair with the lowest merge rank
/// (ties: leftmost first); unknown symbols fall back to one token per byte. Pairs wait in a priority
/// queue over a linked list of symbols, as llama.cpp's `llm_bigram_bpe` queue does, so a word of n
/// characters takes O(n log n), not the O(n²) of rescanning every pair after each merge.
extension Tokenizer {
    /// The longest pre-token merged as one: a longer one (no word of any language; a run of one character, a
    /// base64 blob) is merged in pieces of at most this many bytes, cut at character boundaries, which bounds the
    /// work and memory one word can take. Text whose pre-tokens are all shorter tokenizes exactly as llama.cpp.
    public static let maxPreTokenBytes = 1 << 16

    /// `word` in pieces of at most `maxPreTokenBytes` UTF-8 bytes, cut between characters (itself when short).
    public static func pieces(_ word: Substring) -> [Substring] {
        guard word.utf8.count > maxPreTokenBytes else { return [word] }
        var out: [Substring] = []
        var start = word.startIndex, bytes = 0
        var i = word.startIndex
        while i < word.endIndex {
            let n = word.unicodeScalars[i].utf8.count
            if bytes + n > maxPreTokenBytes { out.append(word[start..<i]); start = i; bytes = 0 }
            bytes += n
            i = word.unicodeScalars.index(after: i)
        }
        out.append(word[start...])
        return out
    }

    func encodeBPE(_ text: String, into out: inout [Int32], cancel: CancelCheck?, work: inout Int) throws(TokenizerError) {
        guard let pre = preTokenizer else { return }
        for whole in try pre.split(text, cancel: cancel) {
            for word in Self.pieces(whole) {
                if let cancel, cancel.isCancelled { throw .cancelled }
                let encoded = ByteEncoding.encode(word.utf8)
                if pre.ignoreMerges, let id = tokenToId[encoded] { out.append(id); continue }
                var symbols = SymbolList(encoded)
                work += try symbols.mergeAll(cancel: cancel) { s, left, right in
                    mergeRank[s.text(left) + " " + s.text(right)].map {
                        BPEPair(rank: Int($0), left: left, right: right, size: s.length[left] + s.length[right])
                    }
                }
                var i = symbols.count > 0 ? 0 : -1
                while i >= 0 {
                    let s = symbols.text(i)
                    if let id = tokenToId[s] {
                        out.append(id)
                    } else {
                        for sc in s.unicodeScalars {
                            if let id = tokenToId[String(sc)] { out.append(id) } else if let u = unknown { out.append(u) }
                        }
                    }
                    i = symbols.next[i]
                }
            }
        }
    }
}

/// A candidate merge of two adjacent symbols, as the merge queue keeps it.
protocol MergePair: Comparable {
    var left: Int { get }
    var right: Int { get }
    /// Scalars the pair spanned when queued: a pair whose symbols changed since is stale.
    var size: Int { get }
}

/// A candidate BPE merge, ordered by rank, then leftmost first.
struct BPEPair: MergePair {
    let rank: Int
    let left: Int
    let right: Int
    let size: Int
    static func < (a: BPEPair, b: BPEPair) -> Bool { a.rank != b.rank ? a.rank < b.rank : a.left < b.left }
}

/// The symbols of one word as a doubly linked list over its scalars (llama.cpp's `llm_symbol`): merging
/// folds the right symbol into the left one, which keeps its position.
struct SymbolList {
    let scalars: [Unicode.Scalar]
    var length: [Int]    // (count) scalars in symbol i; 0 once merged into its left neighbour
    var prev: [Int]      // (count) index of the previous live symbol, -1 at the start
    var next: [Int]      // (count) index of the next live symbol, -1 at the end
    var count: Int { scalars.count }

    init(_ word: String) {
        scalars = Array(word.unicodeScalars)
        let n = scalars.count
        length = Array(repeating: 1, count: n)
        prev = (0..<n).map { $0 - 1 }
        next = (0..<n).map { $0 + 1 < n ? $0 + 1 : -1 }
    }

    func text(_ i: Int) -> String {
        var v = String.UnicodeScalarView()
        v.append(contentsOf: scalars[i..<(i + length[i])])
        return String(v)
    }

    /// Whether `left` and `right` are still adjacent live symbols of the sizes they had when queued.
    func isCurrent(_ left: Int, _ right: Int, size: Int) -> Bool {
        length[left] > 0 && length[right] > 0 && next[left] == right && length[left] + length[right] == size
    }

    /// Merges queued pairs best first until none is left (llama.cpp's work queue): a pair still current is
    /// merged and the merged symbol's new pairs with its neighbours are queued; `pair` says whether two adjacent
    /// symbols can merge, and how well.
    /// Returns the pairs examined (queued and popped), the measure of the work done.
    @discardableResult
    mutating func mergeAll<P: MergePair>(cancel: CancelCheck?, pair: (SymbolList, Int, Int) -> P?) throws(TokenizerError) -> Int {
        var queue = Heap<P>()
        func push(_ left: Int, _ right: Int) {
            if left >= 0, right >= 0, let p = pair(self, left, right) { queue.insert(p) }
        }
        for i in 1..<max(count, 1) { push(i - 1, i) }
        var merges = 0, popped = 0
        while let p = queue.popMin() {
            popped += 1
            guard isCurrent(p.left, p.right, size: p.size) else { continue }
            merge(p.left, p.right)
            push(prev[p.left], p.left)
            push(p.left, next[p.left])
            merges &+= 1
            if merges & 4095 == 0, let cancel, cancel.isCancelled { throw .cancelled }
        }
        return popped + count
    }

    mutating func merge(_ left: Int, _ right: Int) {
        length[left] += length[right]
        length[right] = 0
        let after = next[right]
        next[left] = after
        if after >= 0 { prev[after] = left }
    }
}
