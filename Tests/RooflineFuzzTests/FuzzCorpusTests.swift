import Foundation
import RooflineFuzzTargets
import Testing

/// The committed fuzz corpus (Tests/Fixtures/fuzz/TARGET: seeds from real files and every input that once
/// crashed) replayed through the same entry points libFuzzer drives, in the ordinary build: a regression
/// traps here as it would under the fuzzer.
struct FuzzCorpusTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/fuzz")

    @Test(arguments: FuzzTarget.allCases.filter { $0 != .tokenizer })
    func corpusReplays(_ target: FuzzTarget) throws {
        let dir = Self.fixtures.appendingPathComponent(target.rawValue).path
        let n = try target.replay([dir])
        #expect(n > 0, "no corpus for \(target.rawValue) in \(dir)")
    }

    /// The tokenizer target needs the llama.cpp vocabularies (scripts/fetch_llama_vocabs.py), as the tokenizer
    /// tests do; without them it is skipped.
    @Test func tokenizerCorpusReplays() throws {
        guard (try? FuzzTarget.tokenizer.prepare()) != nil else { return }
        let dir = Self.fixtures.appendingPathComponent("tokenizer").path
        #expect(try FuzzTarget.tokenizer.replay([dir]) > 0)
    }
}
