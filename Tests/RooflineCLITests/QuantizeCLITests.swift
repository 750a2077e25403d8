import Foundation
import Testing
import RooflineGGUF
import RooflineTestSupport

/// `roofline quantize` with K-quant types and mixes, run as a user runs it.
@Suite struct QuantizeCLITests {
    func tinyF32() throws -> String { try TinyModel.writeF32(name: "cli-tiny-f32.gguf") }

    @Test(arguments: [("q4_k_m", 15), ("Q6_K", 18), ("q3_k_l", 13)])
    func kQuantTypesAndMixesAreAccepted(type: String, fileType: Int) throws {
        let out = Fixtures.temporaryPath("cli-\(type).gguf")
        let r = try CLITests().run(["quantize", try tinyF32(), out, "--type", type])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try GGUFFile(path: out).metadata["general.file_type"]?.intValue == fileType)
        // the tiny model's 64-wide rows take llama-quantize's fallback, and say so
        #expect(r.stderr.contains("not a multiple of"), "\(r.stderr)")
        try? FileManager.default.removeItem(atPath: out)
    }

    @Test func unknownTypeListsTheMixes() throws {
        let r = try CLITests().run(["quantize", try tinyF32(), Fixtures.temporaryPath("x.gguf"), "--type", "q4_k_x"])
        #expect(r.status != 0)
        #expect(r.stderr.contains("'q4_k_x' is invalid for '--type") && r.stderr.contains("q4_k_m"), "\(r.stderr)")
    }
}
