/// How the next token is chosen from the logits.
public struct SamplingParameters: Sendable, Equatable {
    /// 0 (or below) means greedy: always the most likely token.
    public var temperature: Float = 0
    /// Keep only the k most likely tokens (0 = off).
    public var topK: Int = 40
    /// Keep the smallest set of tokens whose probabilities sum to at least p (1 = off).
    public var topP: Float = 0.95
    /// Drop tokens less likely than minP × the most likely one (0 = off).
    public var minP: Float = 0.05
    /// Divide positive logits (multiply negative ones) of recently seen tokens by this (1 = off).
    public var repetitionPenalty: Float = 1
    /// How many recent tokens the repetition, frequency and presence penalties look at.
    public var repetitionWindow: Int = 64
    /// Subtract this × (times the token appears in the window) from its logit (OpenAI's frequency_penalty; 0 = off).
    public var frequencyPenalty: Float = 0
    /// Subtract this from the logit of every token in the window (OpenAI's presence_penalty; 0 = off).
    public var presencePenalty: Float = 0
    /// Seed of the random source; the same seed gives the same tokens.
    public var seed: UInt64 = 0

    public init(temperature: Float = 0, topK: Int = 40, topP: Float = 0.95, minP: Float = 0.05,
                repetitionPenalty: Float = 1, repetitionWindow: Int = 64, seed: UInt64 = 0,
                frequencyPenalty: Float = 0, presencePenalty: Float = 0) {
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
        self.minP = minP
        self.repetitionPenalty = repetitionPenalty
        self.repetitionWindow = repetitionWindow
        self.seed = seed
        self.frequencyPenalty = frequencyPenalty
        self.presencePenalty = presencePenalty
    }

    public enum ValidationError: Error, CustomStringConvertible, Equatable {
        case outOfRange(name: String, value: String, allowed: String)
        public var description: String {
            switch self {
            case .outOfRange(let n, let v, let a): "\(n) = \(v) is out of range (allowed: \(a))"
            }
        }
    }

    /// Checks every value is in its documented range.
    public func validate() throws(ValidationError) {
        if !(temperature.isFinite && temperature >= 0 && temperature <= 100) { throw .outOfRange(name: "temperature", value: "\(temperature)", allowed: "0...100") }
        if topK < 0 { throw .outOfRange(name: "top-k", value: "\(topK)", allowed: "0 or more") }
        if !(topP > 0 && topP <= 1) { throw .outOfRange(name: "top-p", value: "\(topP)", allowed: "(0, 1]") }
        if !(minP >= 0 && minP <= 1) { throw .outOfRange(name: "min-p", value: "\(minP)", allowed: "[0, 1]") }
        if !(repetitionPenalty.isFinite && repetitionPenalty > 0) { throw .outOfRange(name: "repetition penalty", value: "\(repetitionPenalty)", allowed: "> 0") }
        if !(frequencyPenalty.isFinite && abs(frequencyPenalty) <= 2) { throw .outOfRange(name: "frequency penalty", value: "\(frequencyPenalty)", allowed: "-2...2") }
        if !(presencePenalty.isFinite && abs(presencePenalty) <= 2) { throw .outOfRange(name: "presence penalty", value: "\(presencePenalty)", allowed: "-2...2") }
        if repetitionWindow < 0 { throw .outOfRange(name: "penalty window", value: "\(repetitionWindow)", allowed: "0 or more") }
    }
}
