import Foundation
import RooflineGGUF

/// SentencePiece vocabularies stored as `tokenizer.json` (Llama 2, Mistral, Phi-3, Gemma: a BPE model with
/// `byte_fallback`, `▁` for spaces) as llama.cpp's SPM tokenizer (`tokenizer.ggml.model = llama`), which merges
/// the adjacent pair whose concatenation has the highest score.
///
/// tokenizer.json keeps no scores, only merges, which Hugging Face's converter generated from the scores
/// (transformers' `SentencePieceExtractor`: every split of a piece into two pieces, ordered by the piece's
/// score). Ranking pieces by their first merge gives the scores back up to order, which is all the SPM merge
/// loop reads. (llama.cpp's converter reads tokenizer.model when there is one; from tokenizer.json alone,
/// gguf-py's `LlamaHfVocab` gives every token -1000, which merges leftmost-first instead.)
extension HFTokenizer {
    /// Whether `model` is SentencePiece-style BPE.
    static func isSentencePiece(_ model: [String: Any]) -> Bool { (model["byte_fallback"] as? Bool) == true }

    /// Scores for `tokens`: −(rank of the first merge that makes the piece); pieces no merge makes (single
    /// characters, bytes, specials) get −1e9, below every merge, as llama.cpp's converter scores unreachable pieces.
    static func sentencePieceScores(tokens: [String], merges: [String]) -> [Float] {
        var rank: [String: Int] = [:]
        for (i, m) in merges.enumerated() {
            let piece = m.replacingOccurrences(of: " ", with: "", options: [], range: m.range(of: " "))
            if rank[piece] == nil { rank[piece] = i }
        }
        return tokens.map { t in rank[t].map { -Float($0) } ?? -1e9 }
    }

    /// Whether llama.cpp's tokenizer should put `▁` before the text (`tokenizer.ggml.add_space_prefix`): a
    /// `Prepend("▁")` normalizer (Llama 2) or a `Metaspace` pre-tokenizer that prepends (Mistral, Phi-3); Gemma
    /// only replaces spaces. Anything else this importer cannot reproduce is an error naming it.
    static func sentencePieceSpacePrefix(_ t: [String: Any], path: String) throws(ImportError) -> Bool {
        var prefix = false
        if let n = t["normalizer"] as? [String: Any] {
            let steps = (n["type"] as? String) == "Sequence" ? (n["normalizers"] as? [[String: Any]] ?? []) : [n]
            for s in steps {
                switch s["type"] as? String {
                case "Prepend" where (s["prepend"] as? String) == "▁": prefix = true
                case "Replace" where ((s["pattern"] as? [String: Any])?["String"] as? String) == " " && (s["content"] as? String) == "▁": break
                default:
                    throw .unsupported(file: path, what: "the normalizer step \(s["type"] as? String ?? "?") in a SentencePiece tokenizer (importable: Prepend ▁, Replace ' ' → ▁)")
                }
            }
        } else if t["normalizer"] != nil && !(t["normalizer"] is NSNull) {
            throw .invalidJSON(file: path, reason: "'normalizer' is not an object")
        }
        if let p = t["pre_tokenizer"] as? [String: Any] {
            guard (p["type"] as? String) == "Metaspace", (p["replacement"] as? String ?? "▁") == "▁" else {
                throw .unsupported(file: path, what: "the pre_tokenizer \(p["type"] as? String ?? "?") in a SentencePiece tokenizer (importable: Metaspace)")
            }
            if (p["split"] as? Bool) == true {
                throw .unsupported(file: path, what: "a Metaspace pre_tokenizer with split = true (llama.cpp tokenizes the text as one piece)")
            }
            let scheme = p["prepend_scheme"] as? String ?? ((p["add_prefix_space"] as? Bool) ?? true ? "always" : "never")
            guard ["always", "first", "never"].contains(scheme) else {
                throw .invalidJSON(file: path, reason: "pre_tokenizer.prepend_scheme '\(scheme)' is not always, first or never")
            }
            prefix = prefix || scheme != "never"
        }
        return prefix
    }

    /// SPM token types: `<0xXX>` pieces are bytes, the model's `unk_token` unknown (others as for BPE).
    static func sentencePieceTypes(tokens: [String], types: [Int32], unknown: String?) -> [Int32] {
        zip(tokens, types).map { tok, ty in
            if ty != 1 { return ty }
            if tok == unknown { return 2 }
            let u = Array(tok.utf8)
            let hex = { (c: UInt8) in (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102) }
            return u.count == 6 && tok.hasPrefix("<0x") && u[5] == 62 && hex(u[3]) && hex(u[4]) ? 6 : 1
        }
    }
}
