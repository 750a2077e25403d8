import Foundation
import RooflineGrammar
import RooflineTokenizer

/// Threads of its own for the work that turns a request into tokens (chat-template rendering and
/// tokenization), so that a long prompt never occupies the threads that serve HTTP: `/health` and other
/// requests stay responsive while it runs. Each thread has a large stack of known size, and the work checks
/// a `CancelCheck` that is set when the awaiting task is cancelled (its client gone).
public final class PromptWorker: @unchecked Sendable {
    private let condition = NSCondition()
    private var queue: [() -> Void] = []

    /// Starts `threads` worker threads (each with a `stackBytes` stack); they live as long as the process.
    public init(threads: Int = 2, stackBytes: Int = 16 << 20) {
        for i in 0..<max(1, threads) {
            let t = Thread { [self] in loop() }
            t.stackSize = stackBytes
            t.name = "roofline-prompt-\(i)"
            t.start()
        }
    }

    /// Runs `work` on a worker thread and returns its result; cancelling the calling task sets the
    /// `CancelCheck` the work receives.
    public func run<T: Sendable>(_ work: @escaping @Sendable (CancelCheck) throws -> T) async throws -> T {
        let cancel = CancelCheck()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (k: CheckedContinuation<T, Error>) in
                enqueue {
                    if cancel.isCancelled { k.resume(throwing: CancellationError()); return }
                    do { k.resume(returning: try work(cancel)) } catch { k.resume(throwing: error) }
                }
            }
        } onCancel: {
            cancel.cancel()
        }
    }

    private func enqueue(_ job: @escaping () -> Void) {
        condition.lock()
        queue.append(job)
        condition.signal()
        condition.unlock()
    }

    private func loop() {
        while true {
            condition.lock()
            while queue.isEmpty { condition.wait() }
            let job = queue.removeFirst()
            condition.unlock()
            job()
        }
    }
}

extension Engine {
    /// Renders a conversation and tokenizes it on `worker`'s threads, stopping early when the task is cancelled.
    /// A text too long to fit `maxTokens` whatever its tokens is refused before tokenizing
    /// (`EngineError.promptTooLong` with the least count it could have).
    public func chatPrompt(_ messages: [ChatMessage], tools: [JSONValue] = [], on worker: PromptWorker, maxTokens: Int? = nil) async throws -> [Int32] {
        try await worker.run { [self] cancel in
            let text: String
            do throws(TokenizerError) {
                text = try chatTemplate.render(messages, tools: tools, addGenerationPrompt: true)
            } catch {
                throw EngineError.tokenizer(error)
            }
            try checkLength(text, maxTokens)
            return try tokenizer.encode(text, addSpecial: false, parseSpecial: true, cancel: cancel)
        }
    }

    /// Tokenizes text on `worker`'s threads, stopping early when the task is cancelled; a text too long to fit
    /// `maxTokens` is refused before tokenizing.
    public func tokenize(_ text: String, on worker: PromptWorker, maxTokens: Int? = nil) async throws -> [Int32] {
        try await worker.run { [self] cancel in
            try checkLength(text, maxTokens)
            return try tokenizer.encode(text, addSpecial: true, parseSpecial: true, cancel: cancel)
        }
    }

    private func checkLength(_ text: String, _ maxTokens: Int?) throws(EngineError) {
        guard let maxTokens else { return }
        let least = text.utf8.count / tokenizer.maxTokenBytes
        if least >= maxTokens { throw .promptTooLong(promptTokens: least, contextSize: maxTokens) }
    }
}
