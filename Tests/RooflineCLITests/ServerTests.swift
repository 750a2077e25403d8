import Foundation
import Testing
import RooflineEngine
import RooflineTestSupport

/// `roofline serve` as users run it: the real server on a loopback port, driven by the official `openai`
/// Python client (scripts/server/openai_client_check.py), then stopped with SIGTERM while a stream runs.
@Suite(.serialized) struct ServerTests {
    /// A started server and the port it bound.
    final class Server {
        let process = Process()
        let port: Int
        private let out = Pipe()

        init(_ args: [String]) throws {
            let bin = try #require(CLITests.binary, "the roofline executable was not built beside the tests")
            process.executableURL = bin
            process.arguments = ["serve", "--port", "0", "--threads", "2"] + args
            process.standardOutput = out
            process.standardError = FileHandle.standardError
            try process.run()
            // A stdout line names the bound port: "... on http://127.0.0.1:PORT/v1 ..." (read until it comes).
            var seen = Data()
            let h = out.fileHandleForReading
            var found: Int?
            while found == nil {
                let d = h.availableData
                if d.isEmpty { break }
                seen.append(d)
                let text = String(decoding: seen, as: UTF8.self)
                if let r = text.range(of: #"127\.0\.0\.1:(\d+)/"#, options: .regularExpression) {
                    found = Int(text[r].dropFirst(10).dropLast())
                }
            }
            guard let p = found else {
                process.terminate()
                throw CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "server did not start: \(String(decoding: seen, as: UTF8.self))"])
            }
            port = p
        }

        deinit { if process.isRunning { process.terminate() } }

        /// Waits for the server to exit, at most `seconds`; a server still running then is killed and the wait
        /// reported as an issue (a shutdown that hangs fails the test instead of hanging the suite).
        func waitForExit(seconds: Double = 300) {
            let deadline = Date().addingTimeInterval(seconds)
            while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
            if process.isRunning {
                Issue.record("the server did not exit within \(seconds) s of its signal")
                kill(process.processIdentifier, SIGKILL)
            }
            process.waitUntilExit()
        }
    }

    /// The `openai` package, installed through pip when missing (as the model is fetched through pip).
    func ensureOpenAIClient() throws {
        if try Shell.run(["python3", "-c", "import openai"]).0 == 0 { return }
        let (status, out) = try Shell.run(["python3", "-m", "pip", "install", "--quiet", "openai"])
        try #require(status == 0, "could not install the openai Python client: \(out)")
    }

    /// The `anthropic` package, installed through pip when missing.
    func ensureAnthropicClient() throws {
        if try Shell.run(["python3", "-c", "import anthropic"]).0 == 0 { return }
        let (status, out) = try Shell.run(["python3", "-m", "pip", "install", "--quiet", "anthropic"])
        try #require(status == 0, "could not install the anthropic Python client: \(out)")
    }

    @Test func openAIClientDrivesTheServer() throws {
        try ensureOpenAIClient()
        let server = try Server(["--parallel", "2", "--max-queue", "1", "--ctx-size", "1024", "--api-key", "test-key"])
        let script = Fixtures.root.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("scripts/server/openai_client_check.py").path
        let bin = try #require(CLITests.binary)
        let (status, out) = try Shell.run(["python3", script, "--base-url", "http://127.0.0.1:\(server.port)", "--api-key", "test-key",
                                           "--roofline", bin.path])
        #expect(status == 0, "\(out)")
        #expect(out.contains("checks passed"))
        server.process.terminate()
        server.waitForExit()
        #expect(server.process.terminationStatus == 0)
    }

    /// The Messages API driven by the official `anthropic` client (scripts/server/anthropic_client_check.py).
    @Test func anthropicClientDrivesTheMessagesAPI() throws {
        try ensureAnthropicClient()
        let server = try Server(["--parallel", "2", "--ctx-size", "1024", "--api-key", "test-key"])
        let script = Fixtures.root.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("scripts/server/anthropic_client_check.py").path
        let (status, out) = try Shell.run(["python3", script, "--base-url", "http://127.0.0.1:\(server.port)", "--api-key", "test-key"])
        #expect(status == 0, "\(out)")
        #expect(out.contains("checks passed"))
        server.process.terminate()
        server.waitForExit()
    }

    /// Structured outputs (scripts/server/structured_output_check.py): every sample schema as a strict
    /// json_schema response format validates with the `jsonschema` package, json_object gives an object, a
    /// one-string GBNF grammar gives exactly that string, and bad schemas and grammars are 400s naming the field.
    @Test func structuredOutputsValidate() throws {
        try ensureOpenAIClient()
        if try Shell.run(["python3", "-c", "import jsonschema"]).0 != 0 {
            let (status, out) = try Shell.run(["python3", "-m", "pip", "install", "--quiet", "jsonschema"])
            try #require(status == 0, "could not install jsonschema: \(out)")
        }
        let server = try Server(["--parallel", "2", "--ctx-size", "1024"])
        let script = Fixtures.root.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("scripts/server/structured_output_check.py").path
        let (status, out) = try Shell.run(["python3", script, "--base-url", "http://127.0.0.1:\(server.port)"])
        #expect(status == 0, "\(out)")
        #expect(out.contains(" 0 failed"))
        server.process.terminate()
        server.waitForExit()
    }

    /// SIGTERM while a stream runs (scripts/server/sigterm_check.py): the stream finishes, /health turns 503, a
    /// late request is refused, and the server exits 0. The check reads the stream and probes /health on sockets
    /// of its own, so nothing queues behind the stream.
    @Test func sigtermLetsARunningStreamFinish() throws {
        // A generous grace: on a loaded machine the stream may need many seconds to finish.
        let server = try Server(["--parallel", "1", "--ctx-size", "512", "--shutdown-grace", "300"])
        let script = Fixtures.root.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("scripts/server/sigterm_check.py").path
        let (status, out) = try Shell.run(["python3", script, "--base-url", "http://127.0.0.1:\(server.port)",
                                           "--pid", "\(server.process.processIdentifier)"])
        #expect(status == 0, "\(out)")
        #expect(out.contains("0 failed"))
        server.waitForExit()
        #expect(server.process.terminationStatus == 0)
    }

    /// The requests that once froze or crashed the server (scripts/server/hostile_requests.py): malformed framing,
    /// ambiguous JSON, fractional integers, a stalled header, 100 KB words and 120k-message bodies, with /health
    /// timed throughout.
    @Test func hostileRequestsGetCleanErrorsAndHealthStaysFast() throws {
        let server = try Server(["--parallel", "2", "--ctx-size", "512", "--idle-timeout", "2"])
        let script = Fixtures.root.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("scripts/server/hostile_requests.py").path
        let (status, out) = try Shell.run(["python3", script, "--base-url", "http://127.0.0.1:\(server.port)", "--idle-timeout", "2",
                                           "--patience", "3"])
        #expect(status == 0, "\(out)")
        #expect(out.contains("0 failed"))
        server.process.terminate()
        server.waitForExit()
        #expect(server.process.terminationStatus == 0)
    }

    /// Concurrent streams with server-wide speculation (lookup and a draft model: the default model drafting for
    /// itself) over HTTP: each streamed text equals the same request's plain decoding ("speculative": false), the
    /// counters move, and every KV block comes back (scripts/server/speculative_streams_check.py).
    @Test func concurrentSpeculativeStreamsEqualPlainDecoding() throws {
        let model = try ModelStore.resolve(nil)
        let server = try Server(["--parallel", "4", "--ctx-size", "512", "--lookup", "--draft-model", model])
        let script = Fixtures.root.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("scripts/server/speculative_streams_check.py").path
        let (status, out) = try Shell.run(["python3", script, "--base-url", "http://127.0.0.1:\(server.port)", "--clients", "4"])
        #expect(status == 0, "\(out)")
        #expect(out.contains("checks passed"))
        server.process.terminate()
        server.waitForExit()
    }

    /// gpt-oss's harmony format end to end (scripts/server/harmony_check.py): a random-weight model with gpt-oss's
    /// chat template and special tokens; required calls are well-formed and read back (OpenAI whole and streamed,
    /// Anthropic), channels forced by a grammar read back as content and reasoning_content.
    @Test func harmonyRepliesReadBackAsChannelsAndCalls() throws {
        try ensureOpenAIClient()
        try ensureAnthropicClient()
        var shape = TinyModel.Shape()
        shape.context = 2048
        shape.harmony = true
        shape.chatTemplate = try ReferenceVocabularies.template("openai-gpt-oss-120b.jinja")
        let path = Fixtures.temporaryPath("tiny-harmony.gguf")
        try TinyModel.make(shape).write(to: path)
        defer { Fixtures.remove(path) }
        let server = try Server(["--model", path, "--parallel", "2", "--ctx-size", "2048"])
        let script = Fixtures.root.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("scripts/server/harmony_check.py").path
        let (status, out) = try Shell.run(["python3", script, "--base-url", "http://127.0.0.1:\(server.port)"])
        #expect(status == 0, "\(out)")
        #expect(out.contains(" passed, 0 failed"))
        server.process.terminate()
        server.waitForExit()
    }

    @Test func busyPortAndBadFlagsAreClearErrors() throws {
        let server = try Server(["--parallel", "1", "--ctx-size", "64"])
        let cli = CLITests()
        let busy = try cli.run(["serve", "--port", "\(server.port)", "--threads", "1"])
        #expect(busy.status != 0)
        #expect(busy.stderr.contains("already in use"), "\(busy.stderr)")
        let bad = try cli.run(["serve", "--parallel", "0"])
        #expect(bad.status != 0 && bad.stderr.contains("--parallel"))
        let badModel = try cli.run(["serve", "--model", "/nonexistent/model.gguf"])
        #expect(badModel.status != 0 && badModel.stderr.contains("nonexistent"))
        // KV flags: a size that is not one, a pool below one context, a KV type that does not exist.
        let badSize = try cli.run(["serve", "--kv-memory", "lots"])
        #expect(badSize.status != 0 && badSize.stderr.contains("--kv-memory"), "\(badSize.stderr)")
        let small = try cli.run(["serve", "--kv-memory", "64K", "--ctx-size", "512", "--port", "0"])
        #expect(small.status != 0 && small.stderr.contains("less than one context of 512"), "\(small.stderr)")
        let badType = try cli.run(["serve", "--kv-type", "q4"])
        #expect(badType.status != 0 && badType.stderr.contains("--kv-type"), "\(badType.stderr)")
        // Durations too large to convert (they once trapped converting to milliseconds), and not-a-number.
        for (flag, value) in [("--timeout", "1e16"), ("--shutdown-grace", "1e300"), ("--idle-timeout", "nan"), ("--timeout", "-1")] {
            let r = try cli.run(["serve", flag, value])
            #expect(r.status != 0 && r.stderr.contains(flag), "\(flag) \(value): \(r.stderr)")
            #expect(!r.stderr.contains("Fatal error"))
        }
        server.process.terminate()
        server.waitForExit()
    }
}
