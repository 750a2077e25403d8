import ArgumentParser

@main
struct Roofline: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "roofline",
        abstract: "Run LLMs at the memory-bandwidth roofline.",
        subcommands: [Generate.self, Chat.self, Tokenize.self, Inspect.self, Eval.self, Bench.self, Logits.self, Quantize.self, Plan.self],
        defaultSubcommand: Generate.self)
}
