import Foundation
import RooflineAPI
import RooflineGGUF
import RooflineImport
import RooflineModel
import RooflineTokenizer

/// One entry point per kind of input Roofline takes from strangers. Each runs a byte string through the same
/// code a user's file or request goes through and returns normally whatever the bytes are: a refused input is
/// an error thrown and caught here, never a trap. libFuzzer drives these under `roofline-fuzz` (built with
/// `-sanitize=fuzzer,address`); the ordinary build replays corpus files through them (scripts/fuzz/run.sh,
/// FuzzCorpusTests).
public enum FuzzTarget: String, CaseIterable, Sendable {
    /// A GGUF file, loaded as `Engine` loads one: header, metadata and tensor table, the model's hyperparameters
    /// and weights table, the tokenizer from the metadata and its chat template rendered.
    case gguf
    /// A safetensors file: header, tensor table, every tensor read as floats.
    case safetensors
    /// A Hugging Face folder converted to GGUF: `config.json`, `tokenizer.json`, `tokenizer_config.json` and
    /// `model.safetensors`, given as one input split at `FuzzTarget.fileSeparator`.
    case hfImport = "hf-import"
    /// A chat template, compiled and rendered with a short conversation.
    case jinja
    /// Text tokenized (and decoded back) with real vocabularies: the first byte picks the vocabulary, the second
    /// whether BOS/EOS are added and special tokens parsed; the rest is the text.
    case tokenizer
    /// A request body, decoded and validated as each request the server takes: OpenAI chat, completions and
    /// responses, Anthropic messages and count_tokens.
    case request

    /// Separates the files of one `hf-import` input.
    public static let fileSeparator = Array("\n--roofline-fuzz-file--\n".utf8)
    /// The files of an `hf-import` input, in order.
    public static let hfFiles = ["config.json", "tokenizer.json", "tokenizer_config.json", "model.safetensors"]

    /// Runs one input.
    public func run(_ data: [UInt8]) {
        switch self {
        case .gguf: FuzzGGUF.run(data)
        case .safetensors: FuzzSafetensors.run(data)
        case .hfImport: FuzzHFImport.run(data)
        case .jinja: FuzzJinja.run(data)
        case .tokenizer: FuzzTokenizer.run(data)
        case .request: FuzzRequest.run(data)
        }
    }

    /// Loads what the target needs before the first input (the tokenizer's vocabularies), so that setup is
    /// neither timed as an input nor reported as a leak. Returns a sentence saying what was loaded.
    public func prepare() throws -> String {
        switch self {
        case .tokenizer:
            let v = try FuzzTokenizer.vocabularies()
            return "\(v.count) vocabularies: \(v.map(\.name).joined(separator: ", "))"
        default:
            return "no setup"
        }
    }
}

/// Where refusals are reported when asked (`roofline-fuzz` with ROOFLINE_FUZZ_VERBOSE set): what stage refused
/// a seed shows how deep it gets.
nonisolated(unsafe) public var fuzzLog: ((String) -> Void)?

/// The value of `body`, or nil when it throws (reported to `fuzzLog` with `stage`).
func attempt<T>(_ stage: String, _ body: () throws -> T) -> T? {
    do { return try body() } catch {
        fuzzLog?("  \(stage): \(error)")
        return nil
    }
}

/// A private scratch folder for the files an input is written to (the readers take paths, as users give them).
enum Scratch {
    static let folder: String = {
        let base = ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp"
        var template = Array("\(base)/roofline-fuzz-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(made != nil, "cannot create a scratch folder under \(base)")
        let path = String(cString: template)
        atexit { try? FileManager.default.removeItem(atPath: Scratch.folder) }
        return path
    }()

    /// Writes `bytes` to `name` in the scratch folder (replacing it) and returns its path.
    static func write(_ bytes: some Collection<UInt8>, to name: String, in folder: String = Scratch.folder) -> String {
        let path = (folder as NSString).appendingPathComponent(name)
        FileManager.default.createFile(atPath: path, contents: Data(bytes))
        return path
    }

    /// An empty subfolder (emptied when it exists).
    static func subfolder(_ name: String) -> String {
        let path = (folder as NSString).appendingPathComponent(name)
        try? FileManager.default.removeItem(atPath: path)
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}

/// The conversation chat templates are rendered with.
let fuzzConversation = [
    ChatMessage(role: "system", content: "You are a helpful assistant."),
    ChatMessage(role: "user", content: "Hello! <|im_start|>{{ x }}"),
    ChatMessage(role: "assistant", content: "Hi there."),
    ChatMessage(role: "user", content: "Write 2 + 2."),
]

enum FuzzGGUF {
    static func run(_ data: [UInt8]) {
        let path = Scratch.write(data, to: "model.gguf")
        guard let file = attempt("GGUF", { try GGUFFile(path: path) }) else { return }
        _ = file.metadata["general.architecture"]?.stringValue
        if let config = attempt("config", { try ModelConfig(file: file) }) {
            _ = attempt("weights") { try ModelWeights(file: file, config: config) }
        }
        guard let tokenizer = attempt("tokenizer", { try Tokenizer(file: file) }) else { return }
        let template = tokenizer.chatTemplate(source: file.metadata["tokenizer.chat_template"]?.stringValue)
        if let why = template.fallbackReason { fuzzLog?("  template: \(why)") }
        let text = attempt("render") { try template.render(fuzzConversation) } ?? "Hello world"
        let ids = tokenizer.encode(text)
        precondition(ids.allSatisfy { $0 >= 0 && Int($0) < tokenizer.vocabSize }, "a token id outside the vocabulary")
        _ = tokenizer.decode(ids, special: true)
    }
}

enum FuzzSafetensors {
    static func run(_ data: [UInt8]) {
        let path = Scratch.write(data, to: "model.safetensors")
        guard let file = attempt("safetensors", { try SafetensorsFile(path: path) }) else { return }
        for name in file.names {
            guard let t = file.tensors[name] else { continue }
            if let v = file.floats(t) { precondition(v.count == t.elementCount, "\(name): \(v.count) floats for \(t.elementCount) elements") }
        }
    }
}

enum FuzzHFImport {
    static func run(_ data: [UInt8]) {
        let folder = Scratch.subfolder("hf")
        for (name, part) in zip(FuzzTarget.hfFiles, split(data)) where !(name == "tokenizer_config.json" && part.isEmpty) {
            _ = Scratch.write(part, to: name, in: folder)
        }
        let output = (Scratch.folder as NSString).appendingPathComponent("imported.gguf")
        defer { try? FileManager.default.removeItem(atPath: output) }
        guard attempt("import", { try HFImporter.convert(folder: folder, to: output) }) != nil else { return }
        // What was written must load as GGUF.
        do { _ = try GGUFFile(path: output) } catch { preconditionFailure("the converted file does not load: \(error)") }
    }

    static func split(_ data: [UInt8]) -> [ArraySlice<UInt8>] {
        let sep = FuzzTarget.fileSeparator
        var parts: [ArraySlice<UInt8>] = []
        var start = 0, i = 0
        while i + sep.count <= data.count {
            if data[i] == sep[0], data[i..<(i + sep.count)].elementsEqual(sep) {
                parts.append(data[start..<i])
                i += sep.count
                start = i
            } else {
                i += 1
            }
        }
        parts.append(data[start...])
        return parts
    }
}

enum FuzzJinja {
    /// The standard limits with the work budgets cut 50-fold, so that a runaway template ends in milliseconds
    /// rather than seconds under AddressSanitizer; the checks that enforce them are the same code.
    static let limits: JinjaLimits = {
        var l = JinjaLimits.standard
        l.steps /= 50
        l.stringBytes /= 50
        l.listItems /= 50
        l.producedBytes /= 50
        return l
    }()

    static func run(_ data: [UInt8]) {
        let source = String(decoding: data, as: UTF8.self)
        let template = ChatTemplate(source: source, bosToken: "<s>", eosToken: "</s>")
        if let why = template.fallbackReason { fuzzLog?("  template: \(why)") }
        _ = attempt("render") { try template.render(fuzzConversation, addGenerationPrompt: data.count % 2 == 0, limits: limits) }
    }
}

enum FuzzTokenizer {
    struct Vocabulary: Sendable {
        let name: String
        let tokenizer: Tokenizer
    }

    /// The vocabularies: `ROOFLINE_FUZZ_VOCABS` (GGUF paths separated by ':'), else those of
    /// `ROOFLINE_CACHE/llama-vocab` (scripts/fetch_llama_vocabs.py) that Roofline's tokenizer supports.
    static func vocabularies() throws -> [Vocabulary] { try loaded.get() }

    private static let loaded: Result<[Vocabulary], any Error> = Result {
        let env = ProcessInfo.processInfo.environment
        var paths: [String]
        let named = env["ROOFLINE_FUZZ_VOCABS"].map { !$0.isEmpty } ?? false
        if named, let list = env["ROOFLINE_FUZZ_VOCABS"] {
            paths = list.split(separator: ":").map(String.init)
        } else {
            let cache = env["ROOFLINE_CACHE"] ?? (NSHomeDirectory() as NSString).appendingPathComponent(".cache/roofline")
            let dir = (cache as NSString).appendingPathComponent("llama-vocab")
            paths = defaultVocabularies.map { (dir as NSString).appendingPathComponent("ggml-vocab-\($0).gguf") }
                .filter { FileManager.default.fileExists(atPath: $0) }
        }
        var out: [Vocabulary] = []
        for p in paths {
            let t = try Tokenizer(file: GGUFFile(path: p))
            out.append(Vocabulary(name: ((p as NSString).lastPathComponent as NSString).deletingPathExtension, tokenizer: t))
        }
        guard !out.isEmpty else { throw FuzzSetupError("no tokenizer vocabularies found: set ROOFLINE_FUZZ_VOCABS or run scripts/fetch_llama_vocabs.py") }
        return out
    }

    /// One of each tokenizer kind and of the pre-tokenizer families Roofline supports, from llama.cpp's test
    /// vocabularies; the first input byte picks one by its index here.
    static let defaultVocabularies = ["llama-spm", "llama-bpe", "qwen2", "gpt-2", "phi-3", "mpt", "gpt-neox", "baichuan"]

    static func run(_ data: [UInt8]) {
        guard data.count >= 2, let vocabs = try? vocabularies() else { return }
        let t = vocabs[Int(data[0]) % vocabs.count].tokenizer
        let flags = data[1]
        let text = String(decoding: data[2...], as: UTF8.self)
        let ids = t.encode(text, addSpecial: flags & 1 != 0, parseSpecial: flags & 2 != 0)
        precondition(ids.allSatisfy { $0 >= 0 && Int($0) < t.vocabSize }, "a token id outside the vocabulary")
        _ = t.decode(ids, special: flags & 4 != 0)
    }
}

enum FuzzRequest {
    static func run(_ data: [UInt8]) {
        if let chat = attempt("chat", { try RequestDecoder.decode(ChatCompletionRequest.self, from: data) }) {
            _ = attempt("messages") { try chat.chatMessages() }
            _ = attempt("chat options") { try chat.fields.options(maxParallel: 4) }
        }
        if let completion = attempt("completion", { try RequestDecoder.decode(CompletionRequest.self, from: data) }) {
            _ = attempt("completion options") { try completion.fields.options(maxParallel: 4) }
        }
        if let messages = attempt("anthropic", { try RequestDecoder.decode(AnthropicMessagesRequest.self, from: data) }) {
            conversation(messages)
        }
        if let count = attempt("count_tokens", { try RequestDecoder.decode(AnthropicCountTokensRequest.self, from: data) }) {
            _ = attempt("count_tokens messages") { try count.chatMessages() }
        }
        if let responses = attempt("responses", { try RequestDecoder.decode(ResponsesRequest.self, from: data) }) {
            conversation(responses)
        }
    }

    static func conversation(_ r: some ConversationRequest) {
        _ = attempt("conversation messages") { try r.chatMessages() }
        _ = attempt("conversation options") { try r.options() }
    }
}

public struct FuzzSetupError: Error, CustomStringConvertible {
    public let description: String
    init(_ d: String) { description = d }
}
