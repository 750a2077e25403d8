import Foundation
import Testing
import RooflineEngine
import RooflineTestSupport

/// `Engine.benchmark` (behind `roofline bench`) on a small random-weight model: what it reports and how its
/// figures relate. Speeds themselves are not asserted (timing is for the benchmark script).
@Suite struct BenchmarkTests {
    func engine() throws -> Engine {
        let p = Fixtures.temporaryPath("bench-tiny.gguf")
        try TinyModel.make(TinyModel.Shape(), seed: 7).write(to: p)
        return try Engine(path: p, threads: 2, contextSize: 64)
    }

    @Test func probesAfterEveryRepetitionAndRelatesTheFigures() throws {
        let e = try engine()
        var s = BenchmarkSettings()
        s.promptTokens = 16
        s.genTokens = 8
        s.repetitions = 3
        s.bandwidthBytes = 1 << 30
        let r = try e.benchmark(s)
        #expect(r.decodeSamples.count == 3)
        #expect(r.decodeSamples.allSatisfy { $0 > 0 } && r.prefill.mean > 0)
        #if os(Linux)
        // The peak-RSS mark can be reset on Linux, so every repetition gets its own probe.
        #expect(r.bandwidthSamples.count == 3)
        #expect(r.rooflineFractionSamples.count == 3)
        #endif
        #expect(r.bandwidthSamples.allSatisfy { $0 > 1e8 })
        #expect(abs(r.bandwidthBytesPerSecond - r.bandwidthSamples.reduce(0, +) / Double(r.bandwidthSamples.count)) < 1)
        #expect(abs(r.rooflineFraction - r.decode.mean * Double(r.bytesPerToken) / r.bandwidthBytesPerSecond) < 1e-9)
        for (f, (d, b)) in zip(r.rooflineFractionSamples, zip(r.decodeSamples, r.bandwidthSamples)) {
            #expect(abs(f - d * Double(r.bytesPerToken) / b) < 1e-9)
        }
        // The probe's 1 GiB buffer is not the engine's memory and must not show in its peak.
        #expect(r.peakRSSBytes > 0 && r.peakRSSBytes < 1 << 30, "peak RSS \(r.peakRSSBytes)")
        // KV bytes: the short prompt (8) plus half the generated tokens, K and V in F16, every layer.
        let c = e.model.config
        #expect(r.kvBytesPerToken == Int((8 + 4.0) * Double(c.blockCount * c.kvDim * 4)))
        #expect(r.weightBytesPerToken > 0 && r.bytesPerToken == r.weightBytesPerToken + r.kvBytesPerToken)
    }

    @Test func refusesImpossibleSettings() throws {
        let e = try engine()
        var s = BenchmarkSettings()
        s.repetitions = 0
        #expect(throws: EngineError.self) { try e.benchmark(s) }
        s = BenchmarkSettings()
        s.promptTokens = 64  // the context holds 64: no room for the prompt and one more token
        #expect(throws: EngineError.self) { try e.benchmark(s) }
    }
}
