import Foundation
import RooflineEngine
import RooflineGrammar

/// What `chat` and `generate --chat` print of a reply. For a model whose template speaks gpt-oss's harmony format,
/// the reply is read as channels while it streams (`Harmony.Stream`, as the server reads it): the final answer is
/// printed as text, the analysis channel dimmed on a terminal (or after "thinking: " otherwise), and the control
/// tokens are not shown. Other models' text is printed as it comes.
struct ChannelPrinter {
    private var harmony: Harmony.Stream?
    private var inReasoning = false
    private let terminal = isatty(1) != 0
    /// The final answer so far (harmony), what a conversation keeps as the assistant's turn.
    private(set) var content = ""

    init(engine: Engine) {
        harmony = engine.chatTemplate.toolCallFormat == .harmony ? Harmony.Stream() : nil
    }

    /// Prints a streamed piece.
    mutating func take(_ piece: String) {
        guard var h = harmony else { return emit(piece) }
        let (text, reasoning) = h.take(piece)
        harmony = h
        show(text: text, reasoning: reasoning)
    }

    /// Prints what the end of the reply releases; returns the text to keep as the assistant's turn (`full` for
    /// models without channels).
    mutating func finish(full: String) -> String {
        guard var h = harmony else { return full }
        let (text, reasoning) = h.finish()
        harmony = h
        show(text: text, reasoning: reasoning)
        if inReasoning { endReasoning() }
        return content
    }

    private mutating func show(text: String, reasoning: String) {
        if !reasoning.isEmpty {
            if !inReasoning { emit(terminal ? "\u{1B}[2m" : "thinking: "); inReasoning = true }
            emit(reasoning)
        }
        if !text.isEmpty {
            if inReasoning { endReasoning() }
            content += text
            emit(text)
        }
    }

    private mutating func endReasoning() {
        emit(terminal ? "\u{1B}[0m\n" : "\n")
        inReasoning = false
    }
}
