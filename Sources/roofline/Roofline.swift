import ArgumentParser

@main
struct Roofline: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "roofline",
        abstract: "Run LLMs at the memory-bandwidth roofline.",
        subcommands: [Generate.self, Chat.self, Tokenize.self, Inspect.self, Eval.self, Bench.self, Logits.self, Quantize.self, Plan.self, Serve.self, Pull.self, List.self],
        defaultSubcommand: Generate.self)
}
