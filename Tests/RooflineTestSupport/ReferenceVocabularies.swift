import Foundation
import RooflineEngine

/// llama.cpp's tokenizer test vocabularies (`models/ggml-vocab-*.gguf` with `.inp`/`.out` cases written by
/// llama.cpp's test-tokenizer-0), fetched once by scripts/fetch_llama_vocabs.py into the cache.
public enum ReferenceVocabularies {
    /// `llama-vocab` in the model cache (`ModelStore.cacheDirectory`).
    public static var directory: URL { ModelStore.cacheDirectory.appendingPathComponent("llama-vocab") }

    /// Makes sure the vocabularies are present, fetching them once per process if needed; returns the directory.
    public static func ensure() throws -> URL { try fetched.get() }

    private static let fetched: Result<URL, Error> = Result { try fetch() }

    private static func fetch() throws -> URL {
        let dir = directory
        if FileManager.default.fileExists(atPath: dir.appendingPathComponent("complete").path),
           FileManager.default.fileExists(atPath: dir.appendingPathComponent("templates").path) { return dir }
        let script = Fixtures.root.deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("scripts/fetch_llama_vocabs.py").path
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", script, dir.path]
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            throw NSError(domain: "ReferenceVocabularies", code: Int(p.terminationStatus),
                          userInfo: [NSLocalizedDescriptionKey: "scripts/fetch_llama_vocabs.py failed"])
        }
        return dir
    }

    /// A real model's chat template from llama.cpp's test set (models/templates/NAME).
    public static func template(_ name: String) throws -> String {
        try String(contentsOf: try ensure().appendingPathComponent("templates/\(name)"), encoding: .utf8)
    }

    /// The (text, token ids) cases of one vocabulary, parsed as test-tokenizer-0.cpp reads them.
    public static func cases(_ name: String) throws -> [(String, [Int32])] {
        let dir = try ensure()
        let inp = try Data(contentsOf: dir.appendingPathComponent("ggml-vocab-\(name).gguf.inp"))
        let out = try String(contentsOf: dir.appendingPathComponent("ggml-vocab-\(name).gguf.out"), encoding: .utf8)
        let raw = String(decoding: inp, as: UTF8.self)
        var inputs: [String] = []
        var rest = Substring(raw)
        let sep = "\n__ggml_vocab_test__\n"
        while !rest.isEmpty {
            if let r = rest.range(of: sep) {
                inputs.append(String(rest[rest.startIndex..<r.lowerBound]))
                rest = rest[r.upperBound...]
            } else {
                inputs.append(String(rest))
                break
            }
        }
        var lines = out.components(separatedBy: "\n")
        if lines.last == "" { lines.removeLast() }
        let outputs = lines.map { $0.split(separator: " ").compactMap { Int32($0) } }
        precondition(inputs.count == outputs.count, "\(name): \(inputs.count) inputs, \(outputs.count) outputs")
        return Array(zip(inputs, outputs))
    }

    public static func path(_ name: String) throws -> String {
        try ensure().appendingPathComponent("ggml-vocab-\(name).gguf").path
    }
}
