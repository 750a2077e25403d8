import RooflineGGUF

/// A tokenizer described by GGUF metadata (`tokenizer.ggml.*`): byte-level BPE (`gpt2`) or
/// SentencePiece-style (`llama`), with special tokens and BOS/EOS rules as llama.cpp's `llama_vocab` applies them.
public final class Tokenizer: Sendable {
    public enum Kind: String, Sendable { case bpe = "gpt2", spm = "llama" }

    public let kind: Kind
    public let tokens: [String]
    public let types: [TokenType]
    public let scores: [Float]
    let tokenToId: [String: Int32]
    let mergeRank: [String: Int]
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
    /// For SPM: byte value → `<0xXX>` token id.
    let byteTokens: [Int32?]

    public var vocabSize: Int { tokens.count }

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
        if let tt = m["tokenizer.ggml.token_type"]?.arrayValue {
            guard tt.count == n else { throw .inconsistentMetadata("\(tt.count) token types for \(n) tokens") }
            types = tt.map { TokenType(rawValue: $0.intValue ?? 1) ?? .normal }
        } else {
            types = Array(repeating: .normal, count: n)
        }
        if let sc = m["tokenizer.ggml.scores"]?.arrayValue {
            guard sc.count == n else { throw .inconsistentMetadata("\(sc.count) scores for \(n) tokens") }
            scores = sc.map { Float($0.doubleValue ?? 0) }
        } else {
            scores = Array(repeating: 0, count: n)
        }
        var t2i: [String: Int32] = [:]
        t2i.reserveCapacity(n)
        for (i, t) in tokens.enumerated() where t2i[t] == nil { t2i[t] = Int32(i) }
        tokenToId = t2i

        var ranks: [String: Int] = [:]
        if kind == .bpe {
            guard let merges = m["tokenizer.ggml.merges"]?.arrayValue else { throw .missingMetadata("tokenizer.ggml.merges") }
            ranks.reserveCapacity(merges.count)
            for (i, v) in merges.enumerated() {
                guard let s = v.stringValue else { throw .inconsistentMetadata("merge #\(i) is not a string") }
                if ranks[s] == nil { ranks[s] = i }
            }
            let pre = m["tokenizer.ggml.pre"]?.stringValue ?? "default"
            preTokenizer = try PreTokenizer(name: pre)
        } else {
            preTokenizer = nil
        }
        mergeRank = ranks

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
        for (i, t) in tokens.enumerated() where eogNames.contains(t) && types[i] == .control {
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
        for (i, t) in tokens.enumerated() where [.control, .userDefined, .unknown].contains(types[i]) && !t.isEmpty {
            sp.append((t, Int32(i), types[i]))
        }
        sp.sort { $0.0.utf8.count != $1.0.utf8.count ? $0.0.utf8.count > $1.0.utf8.count : $0.1 < $1.1 }
        specials = sp

        var bt = [Int32?](repeating: nil, count: 256)
        if kind == .spm {
            for b in 0..<256 {
                let hex = String(b, radix: 16, uppercase: true)
                bt[b] = t2i["<0x\(hex.count == 1 ? "0" + hex : hex)>"]
            }
        }
        byteTokens = bt
    }

    /// The id of a token string, if it is in the vocabulary.
    public func id(of token: String) -> Int32? { tokenToId[token] }

    /// Tokenizes `text` like llama.cpp's `llama_tokenize(vocab, text, add_special, parse_special)`.
    public func encode(_ text: String, addSpecial: Bool = true, parseSpecial: Bool = true) -> [Int32] {
        var out: [Int32] = []
        if addSpecial && addBOS, let bos { out.append(bos) }
        var first = true
        for fragment in partition(text, parseSpecial: parseSpecial) {
            switch fragment {
            case .token(let id):
                out.append(id)
            case .text(let s):
                switch kind {
                case .bpe: encodeBPE(s, into: &out)
                case .spm:
                    var t = s.replacingOccurrences(of: " ", with: "\u{2581}")
                    if addSpacePrefix && first { t = "\u{2581}" + t }
                    encodeSPM(t, into: &out)
                }
            }
            first = false
        }
        if addSpecial && addEOS, let eos { out.append(eos) }
        return out
    }

    enum Fragment { case text(String), token(Int32) }

    /// Splits special tokens out of the text (llama.cpp `tokenizer_st_partition`), longest tokens first.
    func partition(_ text: String, parseSpecial: Bool) -> [Fragment] {
        var frags: [Fragment] = text.isEmpty ? [] : [.text(text)]
        for sp in specials {
            if !parseSpecial && (sp.type == .control || sp.type == .unknown) { continue }
            var next: [Fragment] = []
            for f in frags {
                guard case .text(let s) = f, s.contains(sp.text) else { next.append(f); continue }
                var rest = Substring(s)
                while let r = rest.range(of: sp.text) {
                    if r.lowerBound > rest.startIndex { next.append(.text(String(rest[rest.startIndex..<r.lowerBound]))) }
                    next.append(.token(sp.id))
                    rest = rest[r.upperBound...]
                }
                if !rest.isEmpty { next.append(.text(String(rest))) }
            }
            frags = next
        }
        return frags
    }
}

#if canImport(Foundation)
import Foundation
#endif
