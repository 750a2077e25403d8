import Foundation
import RooflineModel
import RooflineSampling
import RooflineTokenizer

/// What to generate and when to stop.
public struct GenerationOptions: Sendable {
    public var maxTokens: Int = 128
    public var sampling = SamplingParameters()
    /// Generation stops before the first occurrence of any of these strings.
    public var stop: [String] = []
    public init(maxTokens: Int = 128, sampling: SamplingParameters = SamplingParameters(), stop: [String] = []) {
        self.maxTokens = maxTokens
        self.sampling = sampling
        self.stop = stop
    }
}

/// Why generation ended (OpenAI's `finish_reason`).
public enum FinishReason: String, Sendable, Codable {
    case stop, length
}

/// The outcome of one generation, with timings.
public struct GenerationResult: Sendable {
    public var text: String
    public var tokens: [Int32]
    public var promptTokens: Int
    public var finishReason: FinishReason
    public var prefillSeconds: Double
    public var decodeSeconds: Double
    /// Tokens produced by decode steps (the first token comes from prefill).
    public var decodeSteps: Int

    public var prefillTokensPerSecond: Double { prefillSeconds > 0 ? Double(promptTokens) / prefillSeconds : 0 }
    public var decodeTokensPerSecond: Double { decodeSeconds > 0 ? Double(decodeSteps) / decodeSeconds : 0 }
}

extension Engine {
    /// Generates after `prompt`, calling `onText` with each piece of new text as soon as it is complete UTF-8
    /// and cannot be the start of a stop string.
    public func generate(prompt: [Int32], options: GenerationOptions, onText: (String) -> Void = { _ in }) throws(EngineError) -> GenerationResult {
        do { try options.sampling.validate() } catch { throw .sampling(error) }
        guard !prompt.isEmpty else { throw .emptyPrompt }
        guard prompt.count < contextSize else { throw .promptTooLong(promptTokens: prompt.count, contextSize: contextSize) }
        let maxNew = min(max(0, options.maxTokens), contextSize - prompt.count)
        let cache = model.makeCache(capacity: contextSize)
        let vocab = model.config.vocabSize
        let logits = UnsafeMutableBufferPointer<Float>.allocate(capacity: vocab)
        defer { logits.deallocate() }
        var sampler = Sampler(options.sampling)
        var history = prompt
        var generated: [Int32] = []
        var decoder = StreamingDecoder()
        var filter = StopStringFilter(stops: options.stop)
        var finish = FinishReason.length
        let clock = ContinuousClock()

        let t0 = clock.now
        do {
            try model.forward(tokens: prompt, cache: cache, logits: logits.baseAddress!, allLogits: false)
        } catch {
            throw .model(error)
        }
        let prefill = clock.now - t0
        let t1 = clock.now
        var steps = 0
        while generated.count < maxNew {
            let next = sampler.sample(logits, recent: history[...])
            if tokenizer.endOfGeneration.contains(next) { finish = .stop; break }
            generated.append(next)
            history.append(next)
            let shown = filter.append(decoder.append(tokenizer.piece(next)))
            if !shown.isEmpty { onText(shown) }
            if filter.stopped {
                finish = .stop
                break
            }
            if generated.count >= maxNew { break }
            do {
                try model.forward(tokens: [next], cache: cache, logits: logits.baseAddress!, allLogits: false)
            } catch {
                throw .model(error)
            }
            steps += 1
        }
        if finish == .length {  // a character cut off by the token limit is shown repaired; at EOS it is dropped
            let shown = filter.append(decoder.flush())
            if !shown.isEmpty { onText(shown) }
        }
        let rest = filter.finish()
        if !rest.isEmpty { onText(rest) }
        let text = filter.text
        let decode = clock.now - t1
        return GenerationResult(text: text, tokens: generated, promptTokens: prompt.count, finishReason: finish,
                                prefillSeconds: prefill.seconds, decodeSeconds: decode.seconds, decodeSteps: steps)
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}
