import Foundation
import RooflineModel
import RooflineSampling

/// Settings and results of `roofline bench`.
public struct BenchmarkSettings: Sendable {
    public var promptTokens = 512
    public var genTokens = 128
    public var repetitions = 3
    public var bandwidthBytes = 1 << 30
    /// Sequences decoded together (one pass over the weights per step for all of them).
    public var batch = 1
    public init() {}
}

public struct BenchmarkResult: Sendable {
    public struct Stat: Sendable { public var mean: Double; public var stddev: Double }
    public var prefill: Stat
    public var decode: Stat
    public var weightBytesPerToken: Int
    public var kvBytesPerToken: Int
    /// Mean of the bandwidth probes (one after each repetition's decode, or one in all; see `benchmark`).
    public var bandwidthBytesPerSecond: Double
    /// Each probe's bandwidth, bytes per second, in order.
    public var bandwidthSamples: [Double]
    /// Each repetition's decode tokens/s, in order.
    public var decodeSamples: [Double]
    public var peakRSSBytes: Int
    public var threads: Int
    /// Mean tokens in the KV cache while the decode measurement ran (short prompt plus half the generated tokens).
    public var meanDecodeContext: Double

    public var bytesPerToken: Int { weightBytesPerToken + kvBytesPerToken }
    public var rooflineTokensPerSecond: Double { bandwidthBytesPerSecond / Double(bytesPerToken) }
    public var rooflineFraction: Double { decode.mean / rooflineTokensPerSecond }
    /// Each repetition's decode against the roofline of the probe that followed it (empty unless every
    /// repetition was probed): how much of the spread is the machine's, not the engine's.
    public var rooflineFractionSamples: [Double] {
        guard bandwidthSamples.count == decodeSamples.count else { return [] }
        return zip(decodeSamples, bandwidthSamples).map { $0 / ($1 / Double(bytesPerToken)) }
    }
}

extension Engine {
    /// Measures prefill and decode speed (mean ± stddev over repetitions after a warm-up), the bytes a decoded
    /// token reads, this machine's read bandwidth with the same threads, and peak resident memory.
    public func benchmark(_ s: BenchmarkSettings, progress: (String) -> Void = { _ in }) throws(EngineError) -> BenchmarkResult {
        guard s.promptTokens >= 1, s.genTokens >= 1, s.repetitions >= 1 else { throw .invalidArgument("prompt, gen tokens and repetitions must be positive") }
        let shortPrompt = 8
        guard s.promptTokens + 1 <= contextSize, shortPrompt + s.genTokens <= contextSize else {
            throw .invalidArgument("the context (\(contextSize)) is too small for \(s.promptTokens) prompt tokens or \(s.genTokens) generated tokens; raise --ctx-size")
        }
        // Ordinary tokens, deterministic: the sequence the model itself would see in a text.
        let normal = (0..<model.config.vocabSize).filter { tokenizer.types[$0] == .normal }.map { Int32($0) }
        guard !normal.isEmpty else { throw .invalidArgument("the vocabulary has no ordinary tokens") }
        var state: UInt64 = 12345
        func nextToken() -> Int32 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return normal[Int(state >> 33) % normal.count]
        }
        let prompt = (0..<s.promptTokens).map { _ in nextToken() }
        let short = Array(prompt.prefix(shortPrompt))
        let cache = model.makeCache(capacity: contextSize)
        let v = model.config.vocabSize
        let logits = UnsafeMutableBufferPointer<Float>.allocate(capacity: v)
        defer { logits.deallocate() }
        let clock = ContinuousClock()

        func prefillOnce() throws(EngineError) -> Double {
            cache.truncate(to: 0)
            let t0 = clock.now
            do { try model.forward(tokens: prompt, cache: cache, logits: logits.baseAddress!, allLogits: false) } catch { throw .model(error) }
            return Double(s.promptTokens) / (clock.now - t0).seconds
        }
        let batchCaches = s.batch > 1 ? (0..<s.batch).map { _ in model.makeCache(capacity: shortPrompt + s.genTokens + 1) } : []
        let batchLogits = UnsafeMutablePointer<Float>.allocate(capacity: max(1, s.batch) * v)
        defer { batchLogits.deallocate() }
        /// Aggregate decode tokens/s of `s.batch` sequences stepping together.
        func decodeBatchOnce() throws(EngineError) -> Double {
            for c in batchCaches { c.truncate(to: 0) }
            do {
                // Each sequence starts from a different slice of the prompt.
                let starts = (0..<s.batch).map { Array(prompt[($0 % max(1, prompt.count - shortPrompt))...].prefix(shortPrompt)) }
                try model.forward(batch: zip(starts, batchCaches).map { .init(tokens: $0, cache: $1) }, logits: batchLogits)
                var next = (0..<s.batch).map { Sampler.argmax(UnsafeBufferPointer(start: batchLogits + $0 * v, count: v)) }
                let t0 = clock.now
                for _ in 0..<s.genTokens {
                    try model.forward(batch: zip(next, batchCaches).map { .init(tokens: [$0], cache: $1) }, logits: batchLogits)
                    next = (0..<s.batch).map { Sampler.argmax(UnsafeBufferPointer(start: batchLogits + $0 * v, count: v)) }
                }
                return Double(s.genTokens * s.batch) / (clock.now - t0).seconds
            } catch {
                throw .model(error)
            }
        }
        func decodeOnce() throws(EngineError) -> Double {
            if s.batch > 1 { return try decodeBatchOnce() }
            cache.truncate(to: 0)
            do {
                try model.forward(tokens: short, cache: cache, logits: logits.baseAddress!, allLogits: false)
                var next = Sampler.argmax(UnsafeBufferPointer(logits))
                let t0 = clock.now
                for _ in 0..<s.genTokens {
                    try model.forward(token: next, cache: cache, logits: logits.baseAddress!)
                    next = Sampler.argmax(UnsafeBufferPointer(logits))
                }
                return Double(s.genTokens) / (clock.now - t0).seconds
            } catch {
                throw .model(error)
            }
        }
        progress("warm-up")
        _ = try prefillOnce()
        _ = try decodeOnce()
        // The probe runs after every repetition's decode, so each decode measurement has a bandwidth measured
        // within a second of it: on a shared machine the bandwidth on offer moves by tens of percent from one
        // minute to the next. Its buffer
        // is freed after each probe and the peak-RSS mark reset, so the engine's own peak is what is reported;
        // where the mark cannot be reset, the probe runs once, after the last repetition.
        var pre: [Double] = [], dec: [Double] = [], bws: [Double] = []
        var rss = 0
        var probeEach = true
        for r in 0..<s.repetitions {
            progress("repetition \(r + 1)/\(s.repetitions)")
            pre.append(try prefillOnce())
            dec.append(try decodeOnce())
            rss = max(rss, Self.peakRSS())
            if probeEach || r == s.repetitions - 1 {
                progress("measuring memory bandwidth over \(s.bandwidthBytes >> 20) MiB")
                bws.append(model.pool.measureReadBandwidth(bytes: s.bandwidthBytes))
                probeEach = Self.resetPeakRSS()
            }
        }
        let c = model.config
        // Mean KV positions read per decoded token: the short prompt plus half the generated tokens.
        let meanPositions = Double(shortPrompt) + Double(s.genTokens) / 2
        let kvBytes = Int(meanPositions * Double(c.blockCount * c.kvDim * 2 * 2))
        return BenchmarkResult(prefill: Self.stat(pre), decode: Self.stat(dec),
                               weightBytesPerToken: model.weights.bytesPerToken, kvBytesPerToken: kvBytes,
                               bandwidthBytesPerSecond: Self.stat(bws).mean, bandwidthSamples: bws,
                               decodeSamples: dec, peakRSSBytes: rss, threads: model.pool.count,
                               meanDecodeContext: meanPositions)
    }

    static func stat(_ x: [Double]) -> BenchmarkResult.Stat {
        let m = x.reduce(0, +) / Double(x.count)
        let v = x.count > 1 ? x.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(x.count - 1) : 0
        return .init(mean: m, stddev: v.squareRoot())
    }

    /// Resets the peak-RSS mark (VmHWM) to the current resident size (Linux: /proc/self/clear_refs, "5").
    /// Returns false where that is not possible.
    public static func resetPeakRSS() -> Bool {
        guard let f = fopen("/proc/self/clear_refs", "w") else { return false }
        let ok = fputs("5", f) >= 0
        return fclose(f) == 0 && ok
    }

    /// Peak resident set size (VmHWM) in bytes, from /proc/self/status.
    public static func peakRSS() -> Int {
        guard let s = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in s.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let kb = line.split(separator: " ").compactMap { Int($0) }.first ?? 0
            return kb * 1024
        }
        return 0
    }
}

