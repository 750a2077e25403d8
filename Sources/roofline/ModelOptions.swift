import ArgumentParser
import Foundation
import RooflineEngine
import RooflineModel
import RooflineQuant

extension KVType: ExpressibleByArgument {}

/// Flags every model-using command shares.
struct ModelOptions: ParsableArguments {
    @Option(name: .long, help: "A GGUF file, or a known model name (default: smollm2-135m, fetched once into the cache).")
    var model: String?

    @Option(name: .long, help: "Threads for the math (default: physical cores).")
    var threads: Int?

    @Option(name: .customLong("ctx-size"), help: "Context size in tokens (default: the model's, at most 4096).")
    var contextSize: Int?

    @Option(help: "Kernel path: auto (the best this CPU supports), avx512vnni, avx2 or scalar on x86; neon or scalar on arm64.")
    var kernels: KernelChoice = .auto

    @Option(name: .customLong("kv-type"), help: "How the KV cache stores keys and values: f16, or q8_0 (about half the memory and bandwidth; llama.cpp's -ctk q8_0 -ctv q8_0).")
    var kvType: KVType = .f16

    var kernelPath: KernelPath { kernels.path }

    func validate() throws {
        let kp = kernelPath
        guard KernelPath.available.contains(kp) else { throw ValidationError("this CPU cannot run the \(kp) kernels (available: \(KernelPath.available.map(\.description).joined(separator: ", ")))") }
        if let t = threads, !(1...1024).contains(t) { throw ValidationError("--threads must be between 1 and 1024") }
        if let c = contextSize, c < 1 { throw ValidationError("--ctx-size must be positive") }
    }

    /// Resolves and loads the model, reporting progress on stderr.
    func load() throws -> Engine {
        let path = try ModelStore.resolve(model) { Stderr.print($0) }
        let engine = try Engine(path: path, threads: threads ?? Engine.defaultThreads, contextSize: contextSize, kernelPath: kernelPath,
                                kvType: kvType)
        // Every command loads its model once and keeps it until the process ends: held to the end, the engine is
        // never torn down piece by piece (vocabulary tables, buffers, threads) after the output is written; the
        // kernel takes the whole address space back at exit.
        _ = Unmanaged.passRetained(engine)
        return engine
    }
}

enum Stderr {
    static func print(_ s: String) {
        FileHandle.standardError.write(Data((s + "\n").utf8))
    }
}

/// Prints a JSON object with sorted keys.
func printJSON(_ object: [String: Any]) throws {
    let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
    Swift.print(String(decoding: data, as: UTF8.self))
}

/// Writes text to stdout immediately (streaming output).
func emit(_ s: String) {
    FileHandle.standardOutput.write(Data(s.utf8))
}
