/// Byte-level BPE (llama.cpp `llm_tokenizer_bpe_session::tokenize`): pre-tokenize, map bytes to
/// GPT-2's printable characters, then repeatedly merge the adjacent pair with the lowest merge rank
/// (ties: leftmost first); unknown symbols fall back to one token per byte.
extension Tokenizer {
    func encodeBPE(_ text: String, into out: inout [Int32]) {
        guard let pre = preTokenizer else { return }
        for word in pre.split(text) {
            let encoded = ByteEncoding.encode(word.utf8)
            if pre.ignoreMerges, let id = tokenToId[encoded] { out.append(id); continue }
            var symbols: [String] = encoded.unicodeScalars.map { String($0) }
            while symbols.count > 1 {
                var best = Int.max, at = -1
                for i in 0..<(symbols.count - 1) {
                    if let r = mergeRank[symbols[i] + " " + symbols[i + 1]], r < best { best = r; at = i }
                }
                if at < 0 { break }
                symbols[at] += symbols[at + 1]
                symbols.remove(at: at + 1)
            }
            for s in symbols {
                if let id = tokenToId[s] {
                    out.append(id)
                } else {
                    for sc in s.unicodeScalars {
                        if let id = tokenToId[String(sc)] { out.append(id) } else if let u = unknown { out.append(u) }
                    }
                }
            }
        }
    }
}
