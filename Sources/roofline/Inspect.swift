import ArgumentParser
import RooflineEngine
import RooflineGGUF
import RooflineModel

struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Describe a GGUF model: architecture, hyperparameters, tokenizer, tensors by type.")

    @Argument(help: "A GGUF file or a known model name.")
    var path: String = ModelStore.defaultName

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        let resolved = try ModelStore.resolve(path) { Stderr.print($0) }
        let file = try GGUFFile(path: resolved)
        let report = ModelReport(file: file)
        if json {
            try printJSON(report.json)
        } else {
            print(report.text)
        }
    }
}
