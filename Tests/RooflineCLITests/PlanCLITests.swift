import Foundation
import Testing

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

    @Test func planRejectsUnknownChip() throws {
        let r = try run(["plan", "--model", "llama-3.1-8b", "--hardware", "nvidia-h999"])
        #expect(r.status != 0)
        #expect(r.stderr.contains("unknown chip 'nvidia-h999'"))
    }
}
