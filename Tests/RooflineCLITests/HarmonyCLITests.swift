import Foundation
import Testing
import RooflineTestSupport

/// `roofline generate --chat` on a model whose template speaks gpt-oss's harmony format: the reply is shown by
/// channel (the analysis after "thinking: " when stdout is not a terminal, then the final answer), never its
/// control tokens; `--json` keeps the raw text.
struct HarmonyCLITests {
    @Test func generateShowsChannelsNotControlTokens() throws {
        var shape = TinyModel.Shape()
        shape.context = 1024
        shape.harmony = true
        shape.chatTemplate = try ReferenceVocabularies.template("openai-gpt-oss-120b.jinja")
        let model = Fixtures.temporaryPath("tiny-harmony-cli.gguf"), grammar = Fixtures.temporaryPath("forced.gbnf")
        try TinyModel.make(shape).write(to: model)
        try Data(#"root ::= "<|channel|>analysis<|message|>thinking it over<|start|>assistant<|channel|>final<|message|>Hello there""#.utf8)
            .write(to: URL(fileURLWithPath: grammar))
        defer { Fixtures.remove(model, grammar) }
        let args = ["generate", "--model", model, "--chat", "--prompt", "hi", "--grammar", grammar, "--max-tokens", "120", "--temperature", "0"]
        let r = try CLITests().run(args)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("thinking: thinking it over\nHello there"), "\(r.stdout.debugDescription)")
        #expect(!r.stdout.contains("<|"), "\(r.stdout.debugDescription)")
        let raw = try CLITests().run(args + ["--json"])
        #expect(raw.status == 0 && raw.stdout.contains("<|channel|>final<|message|>Hello there"), "\(raw.stdout)")
    }
}
