/// Splits text into words before BPE, with the regular expressions llama.cpp uses for each
/// `tokenizer.ggml.pre` (llama-vocab.cpp, `llm_tokenizer_bpe`). Each expression splits the pieces the
/// previous one produced; text between matches is kept as its own piece (llama.cpp `unicode_regex_split`).
public struct PreTokenizer: @unchecked Sendable {
    static let gpt2 = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)"
    static let llama3 = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"
    /// gpt-4o / o200k (gpt-oss, Llama 4): letters split at case changes, contractions kept on the word, up to three
    /// digits, `/` kept with punctuation runs. llama.cpp's spelling of the tokenizer.json expression (the case
    /// classes written with lookaheads).
    static let gpt4o = "[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))*((?=[\\p{L}])([^A-Z]))+(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?|[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))+((?=[\\p{L}])([^A-Z]))*(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"
    static let qwen2 = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"

    /// `tokenizer.ggml.pre` names → expressions, and whether whole words in the vocabulary skip merging.
    static let table: [String: (patterns: [String], ignoreMerges: Bool)] = [
        "gpt2": ([gpt2], false), "gpt-2": ([gpt2], false), "mpt": ([gpt2], false), "olmo": ([gpt2], false),
        "smollm": (["\\p{N}", gpt2], false), "codeshell": (["\\p{N}", gpt2], false),
        "llama3": ([llama3], true), "llama-v3": ([llama3], true), "llama-bpe": ([llama3], true),
        "dbrx": ([llama3], false), "smaug-bpe": ([llama3], false),
        "qwen2": ([qwen2], false), "stablelm2": ([qwen2], false),
        "gpt-4o": ([gpt4o], false), "llama4": ([gpt4o], false),
        "default": (["[\\p{P}\\$\\+<=>\\^~\\|]+", gpt2, "\\p{N}+", "[0-9][0-9][0-9]"], false),
    ]

    public static var supportedNames: Set<String> { Set(table.keys) }

    public let name: String
    public let ignoreMerges: Bool
    let regexes: [Regex<AnyRegexOutput>]

    public init(name: String) throws(TokenizerError) {
        guard let entry = Self.table[name] else { throw .unsupportedPreTokenizer(name) }
        self.name = name
        ignoreMerges = entry.ignoreMerges
        var rs: [Regex<AnyRegexOutput>] = []
        for p in entry.patterns {
            guard let r = try? Regex(p) else { throw .unsupportedPreTokenizer(name) }
            rs.append(r.matchingSemantics(.unicodeScalar))
        }
        regexes = rs
    }

    /// The words of `text`, in order; together they are exactly `text`.
    public func split(_ text: String) -> [Substring] {
        (try? split(text, cancel: nil)) ?? []
    }

    /// The words of `text`, checking `cancel` between matches.
    public func split(_ text: String, cancel: CancelCheck?) throws(TokenizerError) -> [Substring] {
        var pieces: [Substring] = [Substring(text)]
        for r in regexes {
            var next: [Substring] = []
            for piece in pieces {
                var last = piece.startIndex
                for m in piece.matches(of: r) where !m.range.isEmpty {
                    if m.range.lowerBound > last { next.append(piece[last..<m.range.lowerBound]) }
                    next.append(piece[m.range])
                    last = m.range.upperBound
                }
                if last < piece.endIndex { next.append(piece[last..<piece.endIndex]) }
                if let cancel, cancel.isCancelled { throw .cancelled }
            }
            pieces = next
        }
        return pieces
    }
}
