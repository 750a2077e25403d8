import ArgumentParser
import Foundation
import RooflineEngine
import RooflineTokenizer

struct Chat: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Chat with the model in the terminal (multi-turn, streaming). Type /exit or Ctrl-D to leave.")

    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var sampling: SamplingOptions
    @OptionGroup var speculative: SpeculativeOptions

    @Option(help: "A system message to start the conversation with.")
    var system: String?

    func run() throws {
        let engine = try modelOptions.load()
        if let why = engine.chatTemplate.fallbackReason { Stderr.print("warning: \(why)") }
        var messages: [ChatMessage] = system.map { [ChatMessage(role: "system", content: $0)] } ?? []
        var options = GenerationOptions(maxTokens: sampling.maxTokens, sampling: sampling.parameters, stop: sampling.stop)
        try speculative.apply(to: &options, target: engine)
        // The conversation's keys and values stay between turns: each turn prefills only what is new.
        let conversation = engine.makeConversationCache()
        while true {
            emit("> ")

            guard let line = readLine() else { print(""); break }
            let input = line.trimmingCharacters(in: .whitespaces)
            if input.isEmpty { continue }
            if input == "/exit" || input == "/quit" { break }
            messages.append(ChatMessage(role: "user", content: input))
            var prompt = try engine.chatPrompt(messages)
            // Drop the oldest turns when the conversation no longer fits the context.
            while prompt.count + options.maxTokens >= engine.contextSize && messages.count > 1 {
                let firstNonSystem = messages.firstIndex { $0.role != "system" } ?? 0
                if firstNonSystem >= messages.count - 1 { break }
                messages.remove(at: firstNonSystem)
                prompt = try engine.chatPrompt(messages)
            }
            do {
                var printer = ChannelPrinter(engine: engine)
                let result = try engine.generate(prompt: prompt, options: options, conversation: conversation) { piece in
                    printer.take(piece)
                }
                let reply = printer.finish(full: result.text)
                emit("\n")
                messages.append(ChatMessage(role: "assistant", content: reply))
            } catch {
                Stderr.print("error: \(error)")
                messages.removeLast()
            }
        }
    }
}
