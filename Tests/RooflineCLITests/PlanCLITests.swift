import Foundation
import Testing
import RooflineEngine
import RooflineGGUF
import RooflineTestSupport

/// `roofline plan`, run as a user runs it.
extension CLITests {
    @Test func planJSONHasTheDocumentedFields() throws {
        let r = try run(["plan", "--model", "llama-3.1-70b", "--precision", "fp8", "--hardware", "nvidia-h100-sxm,groq-lpu-v1",
                         "--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        let array = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]])
        #expect(array.map { $0["hardware"] as? String } == ["nvidia-h100-sxm", "groq-lpu-v1"])
        for obj in array {
            for key in ["hardware", "chips", "batch", "fits", "bound", "decode_tokens_per_s_per_user", "aggregate_tokens_per_s",
                        "ttft_s", "joules_per_token", "usd_per_million_tokens"] {
                #expect(obj[key] != nil, "missing \(key)")
            }
        }
        // An SRAM-only LPU needs hundreds of chips for a 70B model.
        #expect((array[1]["chips"] as? Int ?? 0) > 300)
    }

    @Test func planServesAScenarioAndExplainsTheStep() throws {
        let r = try run(["plan", "--model", "llama-3.1-8b", "--precision", "fp8", "--kv-precision", "fp8", "--hardware", "nvidia-h200-sxm",
                         "--scenario", "server", "--prompt", "512", "--output", "256", "--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        let obj = try #require((try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]])?.first)
        let tpot = try #require(obj["tpot_s"] as? Double), perSecond = try #require(obj["requests_per_s"] as? Double)
        #expect(tpot > 0 && tpot <= 0.2 && perSecond > 0 && obj["scenario"] as? String == "server")
        let explained = try run(["plan", "--model", "llama-3.1-8b", "--hardware", "nvidia-h200-sxm", "--scenario", "single",
                                 "--output", "128", "--speculative", "4:0.7", "--explain"])
        #expect(explained.status == 0, "\(explained.stderr)")
        #expect(explained.stdout.contains("fixed per-layer") && explained.stdout.contains("draft"))
        let refused = try run(["plan", "--model", "llama-3.1-8b", "--speculative", "4:0.7"])
        #expect(refused.status != 0 && refused.stderr.contains("--speculative needs --scenario"))
    }

    @Test func planRejectsUnknownChip() throws {
        let r = try run(["plan", "--model", "llama-3.1-8b", "--hardware", "nvidia-h999"])
        #expect(r.status != 0)
        #expect(r.stderr.contains("unknown chip 'nvidia-h999'"))
    }

    /// Calibration on the default model with one thread runs end to end, and the fitted row predicts a separate,
    /// longer-prompt run. How closely is measured by the command itself and documented (docs/planner.md,
    /// "Calibration": within about 12% on a quiet machine); a unit test here runs beside every other suite, so
    /// it only bounds the ratio loosely (a unit mix-up would be off by 1000x), and the exact fit is checked
    /// without timing in CalibrationTests.
    @Test func calibrationPredictsASeparateBenchRun() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("this-machine-\(UUID().uuidString).csv").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        let r = try run(["plan", "--calibrate", "--threads", "1", "--calibration-file", file, "--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        let obj = try #require((try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]])?.first)
        #expect(obj["hardware"] as? String == "this-machine")
        for phase in ["decode", "prefill"] {
            let predicted = try #require(obj["predicted_\(phase)_tokens_per_s"] as? Double)
            let measured = try #require(obj["measured_\(phase)_tokens_per_s"] as? Double)
            #expect(measured > 0 && predicted > 0 && predicted / measured < 5 && measured / predicted < 5,
                    "\(phase): predicted \(predicted), measured \(measured)")
        }
        // The row is then an ordinary chip for the planner.
        let plan = try run(["plan", "--model", "llama-3.1-8b", "--precision", "q4_0", "--hardware", "this-machine,nvidia-h100-sxm",
                            "--calibration-file", file, "--format", "json"])
        #expect(plan.status == 0, "\(plan.stderr)")
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(plan.stdout.utf8)) as? [[String: Any]])
        #expect(rows.first?["hardware"] as? String == "this-machine" && (rows.first?["decode_tokens_per_s_per_user"] as? Double ?? 0) > 0)
    }

    /// The default model's GGUF: Q4_1 layers (106,168,320 weights · 20/32 bytes) and a tied Q8_0 embedding/head
    /// (28,311,552 · 34/32), 96.44 MB as `roofline inspect` lists the tensors, planned at the file's own types.
    @Test func planReadsTheDefaultModelsOwnTypes() throws {
        let path = try ModelStore.resolve(nil)
        let r = try run(["plan", "--model", path, "--hardware", "nvidia-h100-sxm", "--context", "1", "--format", "json",
                         "--calibration-file", "/nonexistent/tm.csv"])
        #expect(r.status == 0, "\(r.stderr)")
        let obj = try #require((try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]])?.first)
        // + one token of BF16 KV cache: 30 layers · 2 · 192 · 2 bytes = 23,040.
        let expected = (106_168_320.0 * 20 / 32 + 28_311_552.0 * 34 / 32 + 23_040) / 1e9
        #expect(abs((obj["memory_needed_gb"] as? Double ?? 0) - expected) < 1e-9)
    }

    /// A mixed file as `roofline quantize --type q4_k_m` writes it (the tiny model's 64-wide rows fall back to 32-wide
    /// formats beside its K-quants) plans and calibrates without --precision, its weights priced tensor by tensor.
    @Test func aMixedKQuantFilePlansAndCalibratesAtItsOwnTypes() throws {
        let mixed = Fixtures.temporaryPath("plan-q4_k_m-\(UUID().uuidString).gguf")
        defer { try? FileManager.default.removeItem(atPath: mixed) }
        let q = try run(["quantize", try TinyModel.writeF32(name: "plan-tiny-f32.gguf"), mixed, "--type", "q4_k_m"])
        #expect(q.status == 0, "\(q.stderr)")
        let file = try GGUFFile(path: mixed)
        #expect(Set(file.tensors.filter { $0.dims.count >= 2 }.map(\.type)).count > 1, "not a mixed file")
        func needed(context: Int) throws -> Double {
            let r = try run(["plan", "--model", mixed, "--hardware", "nvidia-h100-sxm", "--context", "\(context)", "--format", "json",
                             "--calibration-file", "/nonexistent/tm.csv"])
            #expect(r.status == 0, "\(r.stderr)")
            let obj = try #require((try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]])?.first)
            return try #require(obj["memory_needed_gb"] as? Double)
        }
        // Resident weights are the bytes of the file's matrices, whatever their types; one more token of context adds
        // one token of KV cache.
        let matrices = Double(file.tensors.filter { $0.dims.count >= 2 }.reduce(0) { $0 + $1.byteCount })
        let one = try needed(context: 1), kvPerToken = try needed(context: 2) - one
        #expect(abs(one * 1e9 - kvPerToken * 1e9 - matrices) < 1, "planner \(one * 1e9 - kvPerToken * 1e9), file \(matrices)")
        let table = try run(["plan", "--model", mixed, "--hardware", "nvidia-h100-sxm", "--calibration-file", "/nonexistent/tm.csv"])
        #expect(table.stdout.contains("as the file holds them"), "\(table.stdout)")
        let cal = FileManager.default.temporaryDirectory.appendingPathComponent("tm-mixed-\(UUID().uuidString).csv").path
        defer { try? FileManager.default.removeItem(atPath: cal) }
        let c = try run(["plan", "--calibrate", "--model", mixed, "--threads", "1", "--calibration-file", cal, "--format", "json"])
        #expect(c.status == 0, "\(c.stderr)")
        let obj = try #require((try JSONSerialization.jsonObject(with: Data(c.stdout.utf8)) as? [[String: Any]])?.first)
        #expect((obj["predicted_decode_tokens_per_s"] as? Double ?? 0) > 0 && (obj["measured_decode_tokens_per_s"] as? Double ?? 0) > 0)
    }

    @Test func aCorruptCalibrationFileIsAClearError() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("bad-\(UUID().uuidString).csv").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        try Data("id,vendor\nthis-machine\n".utf8).write(to: URL(fileURLWithPath: file))
        let r = try run(["plan", "--model", "llama-3.1-8b", "--calibration-file", file])
        #expect(r.status != 0)
        #expect(r.stderr.contains("calibration file") && r.stderr.contains("rerun roofline plan --calibrate"))
    }

    @Test func uncalibratedThisMachineIsAClearError() throws {
        let r = try run(["plan", "--model", "llama-3.1-8b", "--hardware", "this-machine", "--calibration-file", "/nonexistent/tm.csv"])
        #expect(r.status != 0)
        #expect(r.stderr.contains("not calibrated yet") && r.stderr.contains("roofline plan --calibrate"))
    }
}
