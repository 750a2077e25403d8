import Foundation
import Testing
import RooflineEngine
import RooflineGGUF
import RooflineImport
import RooflineTestSupport

/// Files that once crashed, hung or silently misled Roofline: each is a clean error naming what is wrong.
@Suite struct FileHardeningTests {
    @Test func layersPastBlockCountAreRefused() throws {
        var w = try TinyModel.make()
        w.set("llama.block_count", .uint32(1))  // the file holds blk.0 and blk.1
        let p = Fixtures.temporaryPath("blocks.gguf")
        try w.write(to: p)
        #expect { try Engine(path: p, threads: 1) } throws: { "\($0)".contains("blk.1.") && "\($0)".contains("block_count") }
    }

    @Test func vocabularyThatDisagreesWithTheEmbeddingIsRefused() throws {
        var w = try TinyModel.make()
        let tokens = try #require(w.metadata.first { $0.key == "tokenizer.ggml.tokens" }?.value.arrayValue)
        w.set("tokenizer.ggml.tokens", .array(.string, Array(tokens.dropLast(10))))
        if let types = w.metadata.first(where: { $0.key == "tokenizer.ggml.token_type" })?.value.arrayValue {
            w.set("tokenizer.ggml.token_type", .array(.int32, Array(types.dropLast(10))))
        }
        if let scores = w.metadata.first(where: { $0.key == "tokenizer.ggml.scores" })?.value.arrayValue {
            w.set("tokenizer.ggml.scores", .array(.float32, Array(scores.dropLast(10))))
        }
        let p = Fixtures.temporaryPath("vocab.gguf")
        try w.write(to: p)
        #expect { try Engine(path: p, threads: 1) } throws: { "\($0)".contains("tokenizer.ggml.tokens") && "\($0)".contains("rows") }
    }

    /// A FIFO given as a model or a config: refused at once, never a blocked open (the test would hang).
    @Test func fifosAreRefusedWithoutBlocking() throws {
        let fifo = Fixtures.temporaryPath("model.fifo")
        unlink(fifo)
        try #require(mkfifo(fifo, 0o600) == 0)
        defer { unlink(fifo) }
        #expect { try GGUFFile(path: fifo) } throws: { "\($0)".contains("not a regular file") }
        #expect { try readRegularFile(fifo) } throws: { "\($0)".contains("not a regular file") }
        let dir = Fixtures.temporaryPath("fifo-folder")
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try #require(mkfifo(dir + "/config.json", 0o600) == 0)
        #expect(throws: (any Error).self) { try HFImporter.convert(folder: dir, to: Fixtures.temporaryPath("fifo.gguf")) }
    }

    /// A symlink planted where a temporary file might go is never followed; leftovers of a killed writer are
    /// removed by the next write beside the same target.
    @Test func temporaryFilesAreExclusiveAndCleanedUp() throws {
        let dir = Fixtures.temporaryPath("tmpdir")
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let target = dir + "/out.gguf", victim = dir + "/victim"
        try Data("keep".utf8).write(to: URL(fileURLWithPath: victim))
        // The old predictable names, as symlinks to the victim.
        for name in ["out.gguf.tmp-\(getpid())", ".out.gguf.tmp-\(getpid())"] { symlink(victim, dir + "/" + name) }
        // A leftover of a process that no longer exists (pid 2^22 - 1 is above Linux's default pid_max... or dead).
        let stale = dir + "/.out.gguf.tmp-4194303-abc"
        try Data("partial".utf8).write(to: URL(fileURLWithPath: stale))
        var w = GGUFWriter()
        w.set("general.architecture", .string("llama"))
        try w.write(to: target)
        #expect(try String(contentsOfFile: victim, encoding: .utf8) == "keep")
        #expect(FileManager.default.fileExists(atPath: target))
        #expect(!FileManager.default.fileExists(atPath: stale))
        let left = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.contains(".tmp-") && !$0.contains("\(getpid())") }
        #expect(left.isEmpty, "\(left)")
    }

    @Test(arguments: [1e12, 5e6, 2.5, -4])
    func absurdConfigSizesAreRefusedBeforeAllocating(vocab: Double) throws {
        let dir = Fixtures.temporaryPath("hf-big")
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let config: [String: Any] = ["architectures": ["LlamaForCausalLM"], "hidden_size": 4, "intermediate_size": 8,
                                     "num_hidden_layers": 1, "num_attention_heads": 2, "vocab_size": vocab, "max_position_embeddings": 16]
        try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: dir + "/config.json"))
        #expect { try HFImporter.convert(folder: dir, to: Fixtures.temporaryPath("big.gguf")) } throws: { "\($0)".contains("vocab_size") }
    }
}
