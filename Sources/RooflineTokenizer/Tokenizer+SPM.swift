/// SentencePiece-style BPE (llama.cpp `llm_tokenizer_spm_session`): start from UTF-8 characters and
/// repeatedly merge the adjacent pair whose concatenation is a vocabulary token with the highest score
/// (ties: leftmost); characters with no token become `<0xXX>` byte tokens.
extension Tokenizer {
    func encodeSPM(_ text: String, into out: inout [Int32]) {
        var symbols: [String] = text.unicodeScalars.map { String($0) }
        while symbols.count > 1 {
            var best = -Float.infinity, at = -1
            for i in 0..<(symbols.count - 1) {
                if let id = tokenToId[symbols[i] + symbols[i + 1]] {
                    let s = scores[Int(id)]
                    if s > best { best = s; at = i }
                }
            }
            if at < 0 { break }
            symbols[at] += symbols[at + 1]
            symbols.remove(at: at + 1)
        }
        for s in symbols {
            if let id = tokenToId[s] {
                out.append(id)
            } else {
                for b in s.utf8 {
                    if let id = byteTokens[Int(b)] { out.append(id) } else if let u = unknown { out.append(u) }
                }
            }
        }
    }
}
