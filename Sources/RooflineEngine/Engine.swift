import Foundation
import RooflineGGUF
import RooflineGrammar
import RooflineModel
import RooflineQuant
import RooflineSampling
import RooflineTokenizer

/// A loaded model with its tokenizer and chat template: the library's entry point.
public final class Engine: @unchecked Sendable {
    public let file: GGUFFile
    public let model: Transformer
    public let tokenizer: Tokenizer
    public let chatTemplate: ChatTemplate
    public let contextSize: Int
    private let vocabularyLock = NSLock()
    private nonisolated(unsafe) var vocabularyCache: GrammarVocabulary?

    /// The vocabulary prepared for grammar masks (built on first use, then shared by every constrained request).
    public var grammarVocabulary: GrammarVocabulary {
        vocabularyLock.lock()
        defer { vocabularyLock.unlock() }
        if let v = vocabularyCache { return v }
        let v = GrammarVocabulary(pieces: (0..<tokenizer.vocabSize).map { tokenizer.piece(Int32($0)) },
                                  endOfGeneration: tokenizer.endOfGeneration)
        vocabularyCache = v
        return v
    }

    /// Loads a GGUF model (mapped, not copied). `contextSize` nil means the model's own, capped at 4096.
    /// `pool` shares another engine's math threads (a draft model beside its target). `kvType`: how every cache
    /// of this engine stores keys and values.
    public init(path: String, threads: Int = Engine.defaultThreads, contextSize: Int? = nil, kernelPath: KernelPath = .best,
                pool: ThreadPool? = nil, kvType: KVType = .f16) throws(EngineError) {
        do {
            file = try GGUFFile(path: path)
        } catch {
            throw .format(error)
        }
        let cfg: ModelConfig
        do { cfg = try ModelConfig(file: file) } catch { throw .model(error) }
        let ctx = contextSize ?? min(cfg.contextLength, 4096)
        guard ctx > 0 else { throw .invalidArgument("the context size must be positive") }
        try Engine.checkMemory(kvBytes: KVCache.bytes(config: cfg, capacity: ctx, kvType: kvType), what: "a context of \(ctx) tokens")
        // The tokenizer's tables (hundreds of thousands of tokens and merges) are built on another core while the
        // model maps its weights and allocates its buffers: a shorter time to first token.
        let building = Background { [file] in
            Result<Tokenizer, TokenizerError>(catching: { () throws(TokenizerError) -> Tokenizer in try Tokenizer(file: file) })
        }
        do {
            model = try Transformer(file: file, threads: threads, maxContext: ctx, kernelPath: kernelPath, pool: pool, kvType: kvType)
        } catch {
            _ = building.value
            throw .model(error)
        }
        self.contextSize = ctx
        do {
            tokenizer = try building.value.get()
        } catch {
            throw .tokenizer(error)
        }
        // llama.cpp sizes the embedding and output from the vocabulary (`n_vocab`) and refuses a file whose tensors
        // disagree: ids past the rows would read outside them, rows past the ids are never produced.
        guard tokenizer.vocabSize == model.config.vocabSize else {
            throw .model(.invalidHyperparameter(key: "tokenizer.ggml.tokens", value: "\(tokenizer.vocabSize) tokens",
                                                reason: "the model's embedding and output have \(model.config.vocabSize) rows; they must match"))
        }
        chatTemplate = tokenizer.chatTemplate(source: file.metadata["tokenizer.chat_template"]?.stringValue)
    }

    /// Refuses a KV cache larger than this machine's memory with an error that says how much is needed,
    /// instead of failing to allocate it later.
    static func checkMemory(kvBytes: Int, what: String) throws(EngineError) {
        let physical = ProcessInfo.processInfo.physicalMemory
        guard kvBytes > 0, UInt64(kvBytes) <= physical else {
            let gb = { (b: Double) in String(format: "%.1f GB", b / 1e9) }
            throw .invalidArgument("\(what): the KV cache would take \(kvBytes > 0 ? gb(Double(kvBytes)) : "more than 9 EB") but this machine has \(gb(Double(physical))) of memory; lower the context size")
        }
    }

    /// The number of physical cores (logical CPUs when that cannot be told).
    public static var defaultThreads: Int { CPUInfo.physicalCores }

    /// Tokenizes text with the model's rules (BOS as the model asks, special tokens parsed).
    public func tokenize(_ text: String, addSpecial: Bool = true, parseSpecial: Bool = true) -> [Int32] {
        tokenizer.encode(text, addSpecial: addSpecial, parseSpecial: parseSpecial)
    }

    /// Renders a conversation with the model's chat template and tokenizes it.
    public func chatPrompt(_ messages: [ChatMessage], tools: [JSONValue] = []) throws(EngineError) -> [Int32] {
        do {
            let text = try chatTemplate.render(messages, tools: tools, addGenerationPrompt: true)
            // The template writes BOS itself where the model wants it.
            return tokenizer.encode(text, addSpecial: false, parseSpecial: true)
        } catch {
            throw .tokenizer(error)
        }
    }
}
