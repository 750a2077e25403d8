import ArgumentParser
import RooflineSampling

/// Sampling flags shared by generate and chat.
struct SamplingOptions: ParsableArguments {
    @Option(help: "Maximum tokens to generate.")
    var maxTokens: Int = 128

    @Option(help: "Temperature; 0 is greedy.")
    var temperature: Float = 0

    @Option(help: "Top-k (0 = off).")
    var topK: Int = 40

    @Option(help: "Top-p (1 = off).")
    var topP: Float = 0.95

    @Option(help: "Min-p (0 = off).")
    var minP: Float = 0.05

    @Option(help: "Repetition penalty (1 = off).")
    var repeatPenalty: Float = 1

    @Option(help: "Subtract this × the count of each of the last 64 tokens from its logit (-2...2, 0 = off).")
    var frequencyPenalty: Float = 0

    @Option(help: "Subtract this from the logit of each of the last 64 tokens (-2...2, 0 = off).")
    var presencePenalty: Float = 0

    @Option(help: "Random seed; the same seed reproduces a sampled run.")
    var seed: UInt64 = 0

    @Option(help: "Stop before this string (repeatable).")
    var stop: [String] = []

    var parameters: SamplingParameters {
        SamplingParameters(temperature: temperature, topK: topK, topP: topP, minP: minP,
                           repetitionPenalty: repeatPenalty, seed: seed,
                           frequencyPenalty: frequencyPenalty, presencePenalty: presencePenalty)
    }

    func validate() throws {
        if maxTokens < 0 { throw ValidationError("--max-tokens must be 0 or more") }
        do { try parameters.validate() } catch { throw ValidationError(error.description) }
    }
}
