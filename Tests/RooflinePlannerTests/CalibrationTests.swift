import Foundation
import Testing
import RooflinePlanner

/// Fitting the `this-machine` row from measurements (the CLI test runs it on the real engine).
struct CalibrationTests {
    static let measurement = CalibrationMeasurement(
        bandwidthGBs: 20, threads: 2, kernels: "avx2", cpuName: "Toy, CPU", memoryGB: 16, prompt: 64, prefillTokensPerS: 400,
        decodeContext: 24, decodeTokensPerS: 150, modelName: "toy.gguf", date: "2026-11-26")

    @Test func fitReproducesTheMeasuredWorkloadAndWritesALoadableRow() throws {
        let m = CountTests.tiny
        let p = Precisions(weights: .q4_1, kvCache: .fp16, activations: .fp32)
        let (chip, csv) = try Calibration.fit(Self.measurement, model: m, precisions: p)
        // Hand check of the fit: memory fraction = decode bytes × 150 / 20 GB/s; the peak is at least the prefill's
        // FLOPs × 400/64 per second (more, since the prefill's KV writes take memory time beside its attention).
        let pre = m.prefill(prompt: 64, precisions: p), dec = m.decodeStep(batch: 1, context: 24, precisions: p)
        #expect((chip.peakTFLOPS[.int8] ?? 0) >= pre.flops * 400 / 64 / 1e12)
        #expect(abs((chip.memoryEfficiency ?? 0) - dec.bytes * 150 / 20e9) < 1e-15)
        // The planner, given the fitted row, gives back the measured speeds for the same workload.
        let same = try Calibration.predict(on: chip, model: m, precisions: p, prompt: 64, context: 24)
        #expect(abs((same.decode ?? 0) - 150) < 1e-6)
        #expect(abs((same.prefill ?? 0) - 400) < 1e-6 * 400)
        // A longer context reads more KV cache, so the projected decode is slower.
        let longer = try Calibration.predict(on: chip, model: m, precisions: p, prompt: 64, context: 2000)
        #expect((longer.decode ?? 1e9) < 150)
        // The CSV is in the catalogue's format and loads back to the same chip.
        let loaded = try Catalogue(csv: csv).chip(Calibration.chipID)
        #expect(loaded.chipClass == .cpu && loaded.name.contains("Toy, CPU"))
        #expect(abs(loaded.memoryBandwidthGBs! - 20) < 1e-9)
        #expect(abs(loaded.memoryEfficiency! - chip.memoryEfficiency!) / chip.memoryEfficiency! < 1e-5)
        #expect(loaded.computeEfficiency == 1)
    }

    @Test func commandLineOverridesBeatACalibratedRow() throws {
        let (chip, _) = try Calibration.fit(Self.measurement, model: CountTests.tiny, precisions: Precisions(weights: .q4_1))
        #expect(EfficiencyTable().of(chip).memory == chip.memoryEfficiency)
        #expect(EfficiencyTable().overriding(compute: nil, memory: 0.5).of(chip).memory == 0.5)
    }

    @Test func aModelThatFitsInTheLastLevelCacheIsFlagged() throws {
        // 96 MB a token (SmolLM2 Q4_1) under a 260 MiB L3: flagged; 392 MB (a Qwen2.5 0.5B Q4_K_M file): not.
        let llc = 266_240.0 * 1024
        let w = try #require(Calibration.cacheWarning(decodeBytes: 96e6, lastLevelCacheBytes: llc))
        #expect(w.contains("96 MB") && w.contains("260 MiB"))
        #expect(Calibration.cacheWarning(decodeBytes: 392e6, lastLevelCacheBytes: llc) == nil)
        #expect(Calibration.cacheWarning(decodeBytes: 96e6, lastLevelCacheBytes: nil) == nil)
        // Read from a sysfs-shaped directory: the largest data or unified cache, the instruction cache left out.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cache-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        for (index, type, size) in [("index0", "Data", "48K"), ("index1", "Instruction", "512M"), ("index2", "Unified", "2048K"),
                                    ("index3", "Unified", "266240K")] {
            let d = dir.appendingPathComponent(index)
            try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
            try Data((type + "\n").utf8).write(to: d.appendingPathComponent("type"))
            try Data((size + "\n").utf8).write(to: d.appendingPathComponent("size"))
        }
        #expect(Calibration.lastLevelCacheBytes(sysfs: dir.path) == llc)
        #expect(Calibration.lastLevelCacheBytes(sysfs: dir.path + "/none") == nil)
    }

    @Test func badMeasurementsAreErrors() {
        var bad = Self.measurement
        bad.decodeTokensPerS = 0
        #expect(throws: PlannerError.invalidWorkload("calibration: measured decode tokens/s must be positive (got 0.0)")) {
            try Calibration.fit(bad, model: CountTests.tiny, precisions: Precisions(weights: .q4_1))
        }
    }

    @Test func catalogueColumnsMatchTheShippedFile() throws {
        let header = try #require(DefaultCatalogue.csv.split(separator: "\n").first).split(separator: ",").map(String.init)
        #expect(Array(Catalogue.columns.prefix(header.count)) == header)
    }
}
