import ArgumentParser
import RooflineEngine
import RooflineGGUF
import RooflineModel

struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Describe a GGUF model: architecture, hyperparameters, tokenizer, tensors by type.")

    @Option(help: "A GGUF file, a checkpoint folder or a known model name (default: smollm2-135m).")
    var model: String?

    @Argument(help: "The model, as a positional shorthand for --model.")
    var path: String?

    func validate() throws {
        if model != nil && path != nil { throw ValidationError("name the model once: --model or the positional argument") }
    }

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        let resolved = try ModelStore.resolve(model ?? path) { Stderr.print($0) }
        let file = try GGUFFile(path: resolved)
        let report = ModelReport(file: file)
        if json {
            try printJSON(report.json)
        } else {
            print(report.text)
        }
    }
}
