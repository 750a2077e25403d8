import RooflineGGUF
import RooflineModel
import RooflineQuant
import RooflineSampling
import RooflineTokenizer

/// A loaded model with its tokenizer and chat template: the library's entry point.
public final class Engine: @unchecked Sendable {
    public let file: GGUFFile
    public let model: LlamaModel
    public let tokenizer: Tokenizer
    public let chatTemplate: ChatTemplate
    public let contextSize: Int

    /// Loads a GGUF model (mapped, not copied). `contextSize` nil means the model's own, capped at 4096.
    public init(path: String, threads: Int = Engine.defaultThreads, contextSize: Int? = nil, kernelPath: KernelPath = .best) throws(EngineError) {
        do {
            file = try GGUFFile(path: path)
        } catch {
            throw .format(error)
        }
        let ctx: Int
        do {
            let cfg = try LlamaConfig(file: file)
            ctx = contextSize ?? min(cfg.contextLength, 4096)
            model = try LlamaModel(file: file, threads: threads, maxContext: max(ctx, 1), kernelPath: kernelPath)
        } catch {
            throw .model(error)
        }
        guard ctx > 0 else { throw .invalidArgument("the context size must be positive") }
        self.contextSize = ctx
        do {
            tokenizer = try Tokenizer(file: file)
        } catch {
            throw .tokenizer(error)
        }
        chatTemplate = tokenizer.chatTemplate(source: file.metadata["tokenizer.chat_template"]?.stringValue)
    }

    /// The number of physical cores (logical CPUs when that cannot be told).
    public static var defaultThreads: Int { CPUInfo.physicalCores }

    /// Tokenizes text with the model's rules (BOS as the model asks, special tokens parsed).
    public func tokenize(_ text: String, addSpecial: Bool = true, parseSpecial: Bool = true) -> [Int32] {
        tokenizer.encode(text, addSpecial: addSpecial, parseSpecial: parseSpecial)
    }

    /// Renders a conversation with the model's chat template and tokenizes it.
    public func chatPrompt(_ messages: [ChatMessage]) throws(EngineError) -> [Int32] {
        do {
            let text = try chatTemplate.render(messages, addGenerationPrompt: true)
            // The template writes BOS itself where the model wants it.
            return tokenizer.encode(text, addSpecial: false, parseSpecial: true)
        } catch {
            throw .tokenizer(error)
        }
    }
}
