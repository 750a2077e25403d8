/// SentencePiece-style BPE (llama.cpp `llm_tokenizer_spm_session`): start from UTF-8 characters and
/// repeatedly merge the adjacent pair whose concatenation is a vocabulary token with the highest score
/// (ties: leftmost); characters with no token become `<0xXX>` byte tokens. Pairs wait in a priority queue
/// (llama.cpp's `llm_bigram_spm`), so n characters take O(n log n).
extension Tokenizer {
    func encodeSPM(_ text: String, into out: inout [Int32], cancel: CancelCheck?, work: inout Int) throws(TokenizerError) {
        var symbols = SymbolList(text)
        work += try symbols.mergeAll(cancel: cancel) { s, left, right in
            tokenToId[s.text(left) + s.text(right)].map {
                SPMPair(score: scores[Int($0)], left: left, right: right, size: s.length[left] + s.length[right])
            }
        }
        var i = symbols.count > 0 ? 0 : -1
        while i >= 0 {
            let s = symbols.text(i)
            if let id = tokenToId[s] {
                out.append(id)
            } else {
                for b in s.utf8 {
                    if let id = byteTokens[Int(b)] { out.append(id) } else if let u = unknown { out.append(u) }
                }
            }
            i = symbols.next[i]
        }
    }
}

/// A candidate SPM merge: the highest score first, then leftmost (the heap pops its minimum).
struct SPMPair: MergePair {
    let score: Float
    let left: Int
    let right: Int
    let size: Int
    static func < (a: SPMPair, b: SPMPair) -> Bool { a.score != b.score ? a.score > b.score : a.left < b.left }
}
