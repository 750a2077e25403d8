import RooflineGGUF

/// A tokenizer described by GGUF metadata (`tokenizer.ggml.*`): byte-level BPE (`gpt2`) or
/// SentencePiece-style (`llama`), with special tokens and BOS/EOS rules as llama.cpp's `llama_vocab` applies them.
public final class Tokenizer: Sendable {
    public enum Kind: String, Sendable { case bpe = "gpt2", spm = "llama" }

    public let kind: Kind
    public let tokens: [String]
    public let types: [TokenType]
    public let scores: [Float]
    let tokenToId: VocabIndex
    /// "left right" → rank (lower merges first).
    let mergeRank: VocabIndex
    public let preTokenizer: PreTokenizer?
    public let bos: Int32?
    public let eos: Int32?
    public let unknown: Int32?
    public let addBOS: Bool
    public let addEOS: Bool
    public let addSpacePrefix: Bool
    /// Tokens that end a generation (EOS, EOT and the end-of-turn markers llama.cpp recognises by text).
    public let endOfGeneration: Set<Int32>
    /// Control and user-defined tokens, longest first, for splitting them out of text.
    let specials: [(text: String, id: Int32, type: TokenType)]
    /// Every special token's text, and the ones parsed when control tokens are not (`parseSpecial: false`).
    let specialTrie: SpecialTrie
    let nonControlTrie: SpecialTrie
    /// For SPM: byte value → `<0xXX>` token id.
    let byteTokens: [Int32?]
    /// Unicode scalars in the longest token string.
    let maxTokenScalars: Int

    public var vocabSize: Int { tokens.count }

    /// UTF-8 bytes of text the longest token stands for (a byte-level token string maps each byte to one
    /// scalar, and SentencePiece's ▁ stands for one space, so the token's scalar count bounds it, with 4 for
    /// safety on multi-byte characters): a text of B bytes has at least B / maxTokenBytes tokens.
    public var maxTokenBytes: Int { maxTokenScalars * 4 }

    public convenience init(file: GGUFFile) throws(TokenizerError) {
        try self.init(metadata: file.metadata)
    }

    public init(metadata m: [String: GGUFValue]) throws(TokenizerError) {
        guard let model = m["tokenizer.ggml.model"]?.stringValue else { throw .missingMetadata("tokenizer.ggml.model") }
        guard let kind = Kind(rawValue: model) else { throw .unsupportedModel(model) }
        self.kind = kind
        guard let tokArr = m["tokenizer.ggml.tokens"]?.arrayValue else { throw .missingMetadata("tokenizer.ggml.tokens") }
        tokens = tokArr.map { $0.stringValue ?? "" }
        let n = tokens.count
        guard n > 0 else { throw .inconsistentMetadata("tokenizer.ggml.tokens is empty") }
        var ty: [TokenType]
        if let tt = m["tokenizer.ggml.token_type"]?.arrayValue {
            guard tt.count == n else { throw .inconsistentMetadata("\(tt.count) token types for \(n) tokens") }
            ty = tt.map { TokenType(rawValue: $0.intValue ?? 1) ?? .normal }
        } else {
            ty = Array(repeating: .normal, count: n)
        }
        if let sc = m["tokenizer.ggml.scores"]?.arrayValue {
            guard sc.count == n else { throw .inconsistentMetadata("\(sc.count) scores for \(n) tokens") }
            scores = sc.map { Float($0.doubleValue ?? 0) }
        } else {
            scores = Array(repeating: 0, count: n)
        }
        let t2i = VocabIndex(tokens)
        tokenToId = t2i
        // llama.cpp's rule for gpt-oss's harmony format (llama-vocab.cpp): these four tokens are always rendered and
        // parsed as user-defined, so a reply's channels and recipients reach the text a parser reads.
        for name in ["<|channel|>", "<|message|>", "<|start|>", "<|constrain|>"] {
            if let i = t2i[name] { ty[Int(i)] = .userDefined }
        }
        types = ty

        var mergeTexts: [String] = []
        if kind == .bpe {
            guard let merges = m["tokenizer.ggml.merges"]?.arrayValue else { throw .missingMetadata("tokenizer.ggml.merges") }
            if let i = merges.lastIndex(where: { $0.stringValue == nil }) { throw .inconsistentMetadata("merge #\(i) is not a string") }
            mergeTexts = merges.map { $0.stringValue! }
            let pre = m["tokenizer.ggml.pre"]?.stringValue ?? "default"
            preTokenizer = try PreTokenizer(name: pre)
        } else {
            preTokenizer = nil
        }
        mergeRank = VocabIndex(mergeTexts)

        func id(_ key: String) throws(TokenizerError) -> Int32? {
            guard let v = m[key]?.intValue else { return nil }
            guard v >= 0, v < n else { throw .inconsistentMetadata("\(key) = \(v) is outside the vocabulary of \(n)") }
            return Int32(v)
        }
        bos = try id("tokenizer.ggml.bos_token_id")
        eos = try id("tokenizer.ggml.eos_token_id")
        unknown = try id("tokenizer.ggml.unknown_token_id")
        let eot = try id("tokenizer.ggml.eot_token_id")
        let eom = try id("tokenizer.ggml.eom_token_id")
        let pre = m["tokenizer.ggml.pre"]?.stringValue ?? ""
        let defaultBOS = kind == .spm || ["llama3", "llama-v3", "llama-bpe"].contains(pre)
        addBOS = m["tokenizer.ggml.add_bos_token"]?.boolValue ?? defaultBOS
        addEOS = m["tokenizer.ggml.add_eos_token"]?.boolValue ?? false
        addSpacePrefix = m["tokenizer.ggml.add_space_prefix"]?.boolValue ?? (kind == .spm)

        var eog = Set([eos, eot, eom].compactMap { $0 })
        // llama-vocab.cpp's end-of-generation names (control tokens here).
        let eogNames: Set<String> = ["<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>", "<|call|>", "<|flush|>", "<|calls|>",
                                     "<end_of_turn>", "<|endoftext|>", "<|eom_id|>", "<EOT>", "_<EOT>", "[EOT]", "[EOS]",
                                     "<|end_of_text|>", "<end_of_utterance>"]
        var eogByName: [String: Int32] = [:]
        for (i, t) in tokens.enumerated() where types[i] == .control && eogNames.contains(t) {
            eog.insert(Int32(i))
            eogByName[t] = Int32(i)
        }
        // llama.cpp's workaround for gpt-oss's harmony format (and solar-open): with <|return|> and <|call|> (or
        // <|calls|> and <|flush|>), <|end|> closes a message, not the turn (the analysis channel ends with it and
        // the final answer follows), so it is not an end of generation.
        if let end = eogByName["<|end|>"],
           (eogByName["<|return|>"] != nil && eogByName["<|call|>"] != nil) || (eogByName["<|calls|>"] != nil && eogByName["<|flush|>"] != nil) {
            eog.remove(end)
        }
        endOfGeneration = eog

        var sp: [(String, Int32, TokenType)] = []
        for (i, t) in tokens.enumerated() where types[i].isSpecial && !t.isEmpty {
            sp.append((t, Int32(i), types[i]))
        }
        sp.sort { $0.0.utf8.count != $1.0.utf8.count ? $0.0.utf8.count > $1.0.utf8.count : $0.1 < $1.1 }
        specials = sp
        specialTrie = SpecialTrie(sp.enumerated().map { ($0.offset, $0.element.0) })
        nonControlTrie = SpecialTrie(sp.enumerated().filter { $0.element.2 != .control && $0.element.2 != .unknown }.map { ($0.offset, $0.element.0) })

        var bt = [Int32?](repeating: nil, count: 256)
        if kind == .spm {
            for b in 0..<256 {
                let hex = String(b, radix: 16, uppercase: true)
                bt[b] = t2i["<0x\(hex.count == 1 ? "0" + hex : hex)>"]
            }
        }
        byteTokens = bt
        maxTokenScalars = max(1, tokens.reduce(0) { max($0, $1.unicodeScalars.count) })
    }

    /// The id of a token string, if it is in the vocabulary.
    public func id(of token: String) -> Int32? { tokenToId[token] }

    /// Tokenizes `text` like llama.cpp's `llama_tokenize(vocab, text, add_special, parse_special)`.
    public func encode(_ text: String, addSpecial: Bool = true, parseSpecial: Bool = true) -> [Int32] {
        (try? encode(text, addSpecial: addSpecial, parseSpecial: parseSpecial, cancel: nil)) ?? []
    }

    /// Tokenizes `text`, checking `cancel` as it goes (throws `TokenizerError.cancelled` once it is set).
    /// Time grows as n log n in the text's length.
    public func encode(_ text: String, addSpecial: Bool = true, parseSpecial: Bool = true, cancel: CancelCheck?) throws(TokenizerError) -> [Int32] {
        var work = 0
        return try encode(text, addSpecial: addSpecial, parseSpecial: parseSpecial, cancel: cancel, work: &work)
    }

    /// The merge work tokenizing `text` takes (symbol pairs examined): a count, not a time, so tests can check how
    /// it grows with the text's length on any machine.
    public func mergeWork(_ text: String) -> Int {
        var work = 0
        _ = try? encode(text, addSpecial: false, parseSpecial: true, cancel: nil, work: &work)
        return work
    }

    func encode(_ text: String, addSpecial: Bool, parseSpecial: Bool, cancel: CancelCheck?, work: inout Int) throws(TokenizerError) -> [Int32] {
        var out: [Int32] = []
        if addSpecial && addBOS, let bos { out.append(bos) }
        var first = true
        for fragment in partition(text, parseSpecial: parseSpecial) {
            if let cancel, cancel.isCancelled { throw .cancelled }
            switch fragment {
            case .token(let id):
                out.append(id)
            case .text(let s):
                switch kind {
                case .bpe: try encodeBPE(s, into: &out, cancel: cancel, work: &work)
                case .spm:
                    var t = s.replacingOccurrences(of: " ", with: "\u{2581}")
                    if addSpacePrefix && first { t = "\u{2581}" + t }
                    try encodeSPM(t, into: &out, cancel: cancel, work: &work)
                }
            }
            first = false
        }
        if addSpecial && addEOS, let eos { out.append(eos) }
        return out
    }

    enum Fragment: Equatable { case text(String), token(Int32) }

    /// Splits special tokens out of the text as llama.cpp's `tokenizer_st_partition` does: each special token in
    /// priority order (longest first) takes its leftmost non-overlapping occurrences in the text the earlier ones
    /// left. All occurrences are found in one pass over the UTF-8 bytes through a trie of the special tokens, so
    /// the work is O(text × longest special), not O(text × number of specials).
    func partition(_ text: String, parseSpecial: Bool) -> [Fragment] {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty else { return [] }
        let trie = parseSpecial ? specialTrie : nonControlTrie
        // (priority, start) of every occurrence of every eligible special.
        var hits: [(priority: Int, start: Int)] = []
        for start in bytes.indices {
            var node = 0
            var i = start
            while i < bytes.count, let child = trie.child(node, bytes[i]) {
                node = child
                i += 1
                if let p = trie.terminal[node] { hits.append((p, start)) }
            }
        }
        guard !hits.isEmpty else { return [.text(text)] }
        hits.sort { $0.priority != $1.priority ? $0.priority < $1.priority : $0.start < $1.start }
        var covered = [Bool](repeating: false, count: bytes.count)
        var taken: [(start: Int, priority: Int)] = []
        for h in hits {
            let len = specials[h.priority].text.utf8.count
            if covered[h.start..<(h.start + len)].contains(true) { continue }
            for k in h.start..<(h.start + len) { covered[k] = true }
            taken.append((h.start, h.priority))
        }
        taken.sort { $0.start < $1.start }
        var frags: [Fragment] = []
        var last = 0
        for t in taken {
            if t.start > last { frags.append(.text(String(decoding: bytes[last..<t.start], as: UTF8.self))) }
            frags.append(.token(specials[t.priority].id))
            last = t.start + specials[t.priority].text.utf8.count
        }
        if last < bytes.count { frags.append(.text(String(decoding: bytes[last...], as: UTF8.self))) }
        return frags
    }
}

#if canImport(Foundation)
import Foundation
#endif
