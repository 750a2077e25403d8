import ArgumentParser
import RooflineEngine

struct Tokenize: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show the token ids of a text (special tokens in the text are parsed as special).")

    @OptionGroup var modelOptions: ModelOptions

    @Option(help: "The text to tokenize.")
    var text: String

    @Flag(help: "Print {\"tokens\": [ids]}.")
    var json = false

    @Flag(help: "Do not add BOS/EOS even when the model asks for them.")
    var noSpecial = false

    func run() throws {
        let engine = try modelOptions.load()
        let ids = engine.tokenize(text, addSpecial: !noSpecial)
        if json {
            try printJSON(["tokens": ids.map { Int($0) }])
        } else {
            for id in ids {
                let piece = String(decoding: engine.tokenizer.piece(id, special: true), as: UTF8.self)
                print("\(id)\t\(piece.debugDescription)")
            }
        }
    }
}
