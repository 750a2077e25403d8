import Foundation
import RooflineGGUF

/// A byte-level BPE `tokenizer.json` (with `tokenizer_config.json`) as GGUF `tokenizer.ggml.*` metadata, the
/// way llama.cpp's converter writes it: tokens by id (gaps up to the model's vocabulary filled with `[PADn]`),
/// token types (added special tokens are control tokens), merges, the pre-tokenizer by name, special token
/// ids and the chat template. A SentencePiece-style one (BPE with byte_fallback) becomes llama.cpp's SPM
/// tokenizer instead (HFTokenizer+SentencePiece.swift).
struct HFTokenizer {
    let tokens: [String]
    let types: [Int32]
    let merges: [String]
    let pre: String
    /// SentencePiece-style: scores for llama.cpp's SPM merge loop, and whether `▁` goes before the text.
    let sentencePiece: (scores: [Float], spacePrefix: Bool)?
    let bos: Int?
    let eos: Int?
    let unknown: Int?
    let padding: Int?
    let addBOS: Bool?
    let chatTemplate: String?

    init(folder: String, vocabSize: Int) throws(ImportError) {
        let path = (folder as NSString).appendingPathComponent("tokenizer.json")
        let t = try readJSONObject(path)
        guard let model = t["model"] as? [String: Any] else { throw .missingKey(file: path, key: "model") }
        let type = model["type"] as? String ?? "?"
        guard type == "BPE" else {
            throw .unsupported(file: path, what: "a tokenizer model of type '\(type)' (importable today: BPE, byte-level or SentencePiece-style with byte_fallback)")
        }
        guard let vocab = model["vocab"] as? [String: Any] else { throw .missingKey(file: path, key: "model.vocab") }
        var byID: [Int: String] = [:]
        for (tok, v) in vocab {
            guard let n = v as? NSNumber, let id = Int(exactly: n.doubleValue), id >= 0 else {
                throw .invalidJSON(file: path, reason: "model.vocab['\(tok)'] is not a token id")
            }
            guard byID[id] == nil else { throw .inconsistent("\(path): token id \(id) appears twice in model.vocab") }
            byID[id] = tok
        }
        var control = Set<Int>(), userDefined = Set<Int>()
        for (i, a) in (t["added_tokens"] as? [[String: Any]] ?? []).enumerated() {
            guard let content = a["content"] as? String, let n = a["id"] as? NSNumber, let id = Int(exactly: n.doubleValue), id >= 0 else {
                throw .invalidJSON(file: path, reason: "added_tokens[\(i)] needs an 'id' and a 'content'")
            }
            byID[id] = content
            if (a["special"] as? Bool) ?? false { control.insert(id) } else { userDefined.insert(id) }
        }
        let count = max(vocabSize, (byID.keys.max() ?? -1) + 1)
        guard count <= vocabSize else {
            throw .inconsistent("\(path) has token ids up to \(count - 1) but config.json's vocab_size is \(vocabSize)")
        }
        var toks: [String] = [], tt: [Int32] = []
        for id in 0..<count {
            if let s = byID[id] {
                toks.append(s)
                tt.append(control.contains(id) ? 3 : userDefined.contains(id) ? 4 : 1)
            } else {
                toks.append("[PAD\(id)]")
                tt.append(4)
            }
        }
        tokens = toks
        var ms: [String] = []
        for (i, m) in (model["merges"] as? [Any] ?? []).enumerated() {
            if let s = m as? String { ms.append(s) } else if let p = m as? [String], p.count == 2 { ms.append(p[0] + " " + p[1]) } else {
                throw .invalidJSON(file: path, reason: "model.merges[\(i)] is neither \"a b\" nor [\"a\", \"b\"]")
            }
        }
        if Self.isSentencePiece(model) {
            let spacePrefix = try Self.sentencePieceSpacePrefix(t, path: path)
            sentencePiece = (Self.sentencePieceScores(tokens: toks, merges: ms), spacePrefix)
            types = Self.sentencePieceTypes(tokens: toks, types: tt, unknown: model["unk_token"] as? String)
            merges = []
            pre = "default"
        } else {
            sentencePiece = nil
            types = tt
            merges = ms
            pre = try Self.preTokenizer(t["pre_tokenizer"], path: path)
        }

        let configPath = (folder as NSString).appendingPathComponent("tokenizer_config.json")
        let cfg = FileManager.default.fileExists(atPath: configPath) ? try readJSONObject(configPath) : [:]
        let ids = Dictionary(byID.map { ($0.value, $0.key) }, uniquingKeysWith: { a, _ in a })
        func special(_ key: String) -> Int? {
            let v = cfg[key]
            let s = (v as? String) ?? ((v as? [String: Any])?["content"] as? String)
            return s.flatMap { ids[$0] }
        }
        bos = special("bos_token")
        eos = special("eos_token")
        unknown = special("unk_token") ?? (model["unk_token"] as? String).flatMap { ids[$0] }
        padding = special("pad_token")
        addBOS = cfg["add_bos_token"] as? Bool
        if let s = cfg["chat_template"] as? String {
            chatTemplate = s
        } else if let list = cfg["chat_template"] as? [[String: Any]] {
            chatTemplate = (list.first { ($0["name"] as? String) == "default" } ?? list.first)?["template"] as? String
        } else {
            chatTemplate = nil
        }
    }

    /// llama.cpp's name for the pre-tokenizer a `tokenizer.json` describes (by structure and regex).
    static func preTokenizer(_ p: Any?, path: String) throws(ImportError) -> String {
        guard let p = p as? [String: Any] else { throw .unsupported(file: path, what: "a missing pre_tokenizer") }
        let steps = (p["type"] as? String) == "Sequence" ? (p["pretokenizers"] as? [[String: Any]] ?? []) : [p]
        let kinds = steps.map { $0["type"] as? String ?? "?" }
        func byteLevel(_ s: [String: Any]) -> (regex: Bool, prefix: Bool) {
            ((s["use_regex"] as? Bool) ?? true, (s["add_prefix_space"] as? Bool) ?? false)
        }
        if kinds == ["ByteLevel"], byteLevel(steps[0]) == (true, false) { return "gpt2" }
        if kinds == ["Digits", "ByteLevel"], (steps[0]["individual_digits"] as? Bool) == true, byteLevel(steps[1]) == (true, false) {
            return "smollm"
        }
        if kinds == ["Split", "ByteLevel"], byteLevel(steps[1]).regex == false,
           let pattern = (steps[0]["pattern"] as? [String: Any])?["Regex"] as? String {
            if pattern == llama3Pattern { return "llama-bpe" }
            if pattern == qwen2Pattern { return "qwen2" }
        }
        throw .unsupported(file: path, what: "the pre-tokenizer \(kinds.joined(separator: " + "))")
    }

    static let llama3Pattern = #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
    static let qwen2Pattern = #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#

    func metadata() -> [(key: String, value: GGUFValue)] {
        var m: [(key: String, value: GGUFValue)] = [
            ("tokenizer.ggml.model", .string(sentencePiece == nil ? "gpt2" : "llama")),
            ("tokenizer.ggml.pre", .string(pre)),
            ("tokenizer.ggml.tokens", .array(.string, tokens.map { .string($0) })),
            ("tokenizer.ggml.token_type", .array(.int32, types.map { .int32($0) })),
        ]
        if let sp = sentencePiece {
            m.append(("tokenizer.ggml.scores", .array(.float32, sp.scores.map { .float32($0) })))
            m.append(("tokenizer.ggml.add_space_prefix", .bool(sp.spacePrefix)))
        } else {
            m.append(("tokenizer.ggml.merges", .array(.string, merges.map { .string($0) })))
        }
        for (k, v) in [("bos", bos), ("eos", eos), ("unknown", unknown), ("padding", padding)] {
            if let v { m.append(("tokenizer.ggml.\(k)_token_id", .uint32(UInt32(v)))) }
        }
        if let addBOS { m.append(("tokenizer.ggml.add_bos_token", .bool(addBOS))) }
        if let chatTemplate { m.append(("tokenizer.chat_template", .string(chatTemplate))) }
        return m
    }
}
