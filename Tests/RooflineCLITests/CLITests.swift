import Foundation
import Testing
import RooflineEngine
import RooflineTestSupport

/// The `roofline` executable, run as a user runs it (SwiftPM builds it beside the test bundle).
@Suite(.serialized) struct CLITests {
    struct Run { let status: Int32; let stdout: String; let stderr: String }

    static var binary: URL? {
        let dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [dir, dir.deletingLastPathComponent(), dir.deletingLastPathComponent().deletingLastPathComponent()] {
            let u = candidate.appendingPathComponent("roofline")
            if FileManager.default.isExecutableFile(atPath: u.path) { return u }
        }
        return nil
    }

    func run(_ args: [String], environment: [String: String]? = nil) throws -> Run {
        let bin = try #require(Self.binary, "the roofline executable was not built beside the tests")
        let p = Process()
        p.executableURL = bin
        p.arguments = args
        if let environment { p.environment = environment }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Run(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }

    /// `list` names every known model with its size; the cache follows $HOME when nothing else names it.
    @Test func listNamesTheKnownModelsAndTheCacheFollowsHome() throws {
        let home = Fixtures.temporaryPath("home")
        var env = ProcessInfo.processInfo.environment
        env["HOME"] = home
        env.removeValue(forKey: "ROOFLINE_CACHE")
        env.removeValue(forKey: "XDG_CACHE_HOME")
        let r = try run(["list", "--json"], environment: env)
        #expect(r.status == 0, "\(r.stderr)")
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(obj["cache"] as? String == home + "/.cache/roofline")
        let models = try #require(obj["models"] as? [[String: Any]])
        #expect(models.compactMap { $0["name"] as? String } == KnownModel.all.map(\.name))
        #expect(models.allSatisfy { $0["cached"] as? Bool == false })
        let text = try run(["list"], environment: env)
        #expect(text.stdout.contains("qwen2.5-coder-1.5b") && text.stdout.contains("1117 MB"))
        let unknown = try run(["pull", "no-such-model"])
        #expect(unknown.status != 0 && unknown.stderr.contains("gemma-3-270m"))
    }

    @Test func generateJSONHasTheDocumentedFields() throws {
        let r = try run(["generate", "--prompt", "The capital of France is", "--max-tokens", "8", "--json", "--threads", "2"])
        #expect(r.status == 0, "\(r.stderr)")
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        for key in ["text", "tokens", "prompt_tokens", "completion_tokens", "prefill_tokens_per_s", "decode_tokens_per_s"] {
            #expect(obj[key] != nil, "missing \(key)")
        }
        let tokens = try #require(obj["tokens"] as? [Int])
        #expect(tokens.count == obj["completion_tokens"] as? Int)
        #expect(obj["prompt_tokens"] as? Int == 5)
        #expect((obj["text"] as? String)?.contains("Paris") == true)
        #expect((obj["text"] as? String)?.hasPrefix("The capital") == false)
    }

    @Test func benchJSONHasTheDocumentedFields() throws {
        let r = try run(["bench", "--prompt-tokens", "8", "--gen-tokens", "4", "--repetitions", "2", "--threads", "2", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        for key in ["prefill_tokens_per_s", "decode_tokens_per_s", "bytes_per_token", "bandwidth_gb_per_s", "roofline_tokens_per_s",
                    "roofline_fraction", "peak_rss_bytes", "threads", "prompt_tokens", "gen_tokens", "repetitions"] {
            #expect(obj[key] != nil, "missing \(key)")
        }
        #expect((obj["decode_tokens_per_s_samples"] as? [Double])?.count == 2)
        #expect((obj["bandwidth_gb_per_s_samples"] as? [Double])?.isEmpty == false)
        let bad = try run(["bench", "--repetitions", "0"])
        #expect(bad.status != 0 && bad.stderr.contains("--repetitions"))
    }

    @Test func streamingGenerateEchoesPromptThenText() throws {
        let r = try run(["generate", "--prompt", "The capital of France is", "--max-tokens", "4", "--threads", "1"])
        #expect(r.status == 0)
        #expect(r.stdout.hasPrefix("The capital of France is Paris"))
        #expect(r.stderr.contains("tok/s"))
    }

    @Test func tokenizeJSONParsesSpecialTokens() throws {
        let r = try run(["tokenize", "--text", "<|im_start|>user", "--json"])
        #expect(r.status == 0)
        #expect(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == #"{"tokens":[1,4093]}"#)
    }

    @Test func chatReadsTurnsFromStandardInput() throws {
        let bin = try #require(Self.binary)
        let p = Process()
        p.executableURL = bin
        p.arguments = ["chat", "--max-tokens", "12", "--threads", "2"]
        let input = Pipe(), out = Pipe()
        p.standardInput = input
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        input.fileHandleForWriting.write(Data("What is 2+2?\n/exit\n".utf8))
        try input.fileHandleForWriting.close()
        let o = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        #expect(o.contains("4"), "\(o)")
    }

    @Test(arguments: [
        (["generate", "--temperature", "-1"], "temperature"),
        (["generate", "--top-p", "0"], "top-p"),
        (["generate", "--threads", "0"], "--threads"),
        (["generate", "--kernels", "neon9"], "--kernels"),
        (["generate", "--model", "/no/such/model.gguf"], "/no/such/model.gguf"),
        (["eval", "--text", "/no/such/text.txt"], "/no/such/text.txt"),
        (["generate", "--bogus-flag"], "bogus"),
        (["bench", "--kernels", "avx9"], "'auto', 'scalar', 'avx2', 'avx512vnni' or 'neon'"),
        (["plan", "--model", "llama-3.1-8b", "--format", "pdf"], "--format"),
        (["plan", "--model", "llama-3.1-8b", "--precision", "int3"], "--precision"),
        (["inspect", "--model", "smollm2-135m", "smollm2-135m"], "name the model once"),
        (["pull", "no-such-model"], "unknown model"),
    ])
    func badInputGivesAClearErrorNotACrash(args: [String], mentions: String) throws {
        let r = try run(args)
        #expect(r.status != 0)
        #expect(r.status < 128, "crashed with status \(r.status)")
        #expect(r.stderr.contains(mentions), "stderr: \(r.stderr)")
    }

    @Test func promptOverTheContextNamesBothLengths() throws {
        let r = try run(["generate", "--ctx-size", "16", "--prompt", String(repeating: "word ", count: 40)])
        #expect(r.status != 0)
        #expect(r.stderr.contains("41 tokens") && r.stderr.contains("16"), "stderr: \(r.stderr)")
        #expect(r.stdout.isEmpty, "nothing is printed before the error")
    }

    @Test func truncatedModelFileIsAClearError() throws {
        let path = Fixtures.temporaryPath("truncated.gguf")
        let src = try ModelStore.resolve(nil)
        let head = try FileHandle(forReadingFrom: URL(fileURLWithPath: src)).read(upToCount: 1_000_000) ?? Data()
        try head.write(to: URL(fileURLWithPath: path))
        let r = try run(["generate", "--model", path])
        #expect(r.status != 0 && r.status < 128)
        #expect(r.stderr.contains("truncated"), "stderr: \(r.stderr)")
    }
}
