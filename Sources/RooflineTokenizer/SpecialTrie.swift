/// A byte trie over special-token texts, for finding every special token that starts at a position in
/// one step per byte. `terminal[node]` is the index in `Tokenizer.specials` of the token ending there
/// (the first, i.e. highest-priority, when two tokens share a text).
struct SpecialTrie: Sendable {
    private var children: [[UInt8: Int32]] = [[:]]   // (nodes) byte → child node
    private(set) var terminal: [Int?] = [nil]           // (nodes)

    init(_ texts: [(index: Int, text: String)]) {
        for (index, text) in texts {
            var node = 0
            for b in text.utf8 {
                if let c = children[node][b] {
                    node = Int(c)
                } else {
                    children.append([:])
                    terminal.append(nil)
                    children[node][b] = Int32(children.count - 1)
                    node = children.count - 1
                }
            }
            if terminal[node] == nil { terminal[node] = index }
        }
    }

    @inline(__always) func child(_ node: Int, _ byte: UInt8) -> Int? {
        children[node][byte].map(Int.init)
    }
}
