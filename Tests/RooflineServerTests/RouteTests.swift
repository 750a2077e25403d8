import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import RooflineEngine
import RooflineServer
import RooflineTestSupport

/// The server's routes in process, through Hummingbird's testing support (no socket): health, models, whole and
/// streamed completions, the error shapes of both APIs, authentication. A small random-weight model keeps
/// generation instant; the end-to-end tests (RooflineCLITests.ServerTests) drive the built executable with the
/// official clients.
@Suite(.serialized) struct RouteTests {
    struct ModelList: Decodable { struct Model: Decodable { let id: String; let object: String }; let object: String; let data: [Model] }
    struct Completion: Decodable {
        struct Choice: Decodable { let index: Int; let text: String; let finish_reason: String }
        struct Usage: Decodable { let prompt_tokens: Int; let completion_tokens: Int; let total_tokens: Int }
        let object: String; let choices: [Choice]; let usage: Usage
    }
    struct OpenAIErrorBody: Decodable { struct Detail: Decodable { let message: String; let type: String; let param: String? }; let error: Detail }
    struct AnthropicErrorBody: Decodable { struct Detail: Decodable { let type: String; let message: String }; let type: String; let error: Detail }

    static let engine: Result<Engine, Error> = Result {
        let path = Fixtures.temporaryPath("route-tests.gguf")
        try TinyModel.make().write(to: path)
        return try Engine(path: path, threads: 1, contextSize: 128)
    }

    /// Runs `body` against a fresh server (its own scheduler) over the tiny model.
    func withServer(apiKey: String? = nil, _ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let engine = try Self.engine.get()
        let scheduler = try Scheduler(engine: engine, configuration: SchedulerConfiguration(parallel: 2, contextSize: 128))
        let server = RooflineServer(engine: engine, scheduler: scheduler, configuration: ServerConfiguration(apiKey: apiKey, modelID: "tiny"))
        let app = Application(router: server.makeRouter())
        try await app.test(.router, body)
        await scheduler.shutdown(grace: .seconds(1))
    }

    static func json(_ s: String) -> ByteBuffer { ByteBuffer(string: s) }
    static let jsonHeaders: HTTPFields = [.contentType: "application/json"]

    @Test func healthAndModels() async throws {
        try await withServer { client in
            try await client.execute(uri: "/health", method: .get) { r in
                #expect(r.status == .ok)
                #expect(String(buffer: r.body).contains("\"ok\""))
            }
            try await client.execute(uri: "/v1/models", method: .get) { r in
                #expect(r.status == .ok)
                let list = try JSONDecoder().decode(ModelList.self, from: Data(buffer: r.body))
                #expect(list.object == "list" && list.data.map(\.id) == ["tiny"] && list.data[0].object == "model")
            }
            try await client.execute(uri: "/v1/nothing", method: .get) { r in #expect(r.status == .notFound) }
        }
    }

    @Test func completionWholeAndStreamed() async throws {
        try await withServer { client in
            let body = #"{"model": "tiny", "prompt": "the", "max_tokens": 5, "temperature": 0, "ignore_eos": true}"#
            let whole = try await client.execute(uri: "/v1/completions", method: .post, headers: Self.jsonHeaders, body: Self.json(body)) { r in
                #expect(r.status == .ok)
                return try JSONDecoder().decode(Completion.self, from: Data(buffer: r.body))
            }
            #expect(whole.object == "text_completion" && whole.choices.count == 1)
            #expect(whole.usage.completion_tokens == 5 && whole.choices[0].finish_reason == "length")
            #expect(whole.usage.total_tokens == whole.usage.prompt_tokens + 5)
            // streamed: Server-Sent Events whose texts join to the whole answer, then [DONE]
            let streamed = #"{"model": "tiny", "prompt": "the", "max_tokens": 5, "temperature": 0, "ignore_eos": true, "stream": true}"#
            try await client.execute(uri: "/v1/completions", method: .post, headers: Self.jsonHeaders, body: Self.json(streamed)) { r in
                #expect(r.status == .ok)
                #expect(r.headers[.contentType] == "text/event-stream")
                let events = String(buffer: r.body).components(separatedBy: "\n\n").filter { !$0.isEmpty }
                #expect(events.last == "data: [DONE]")
                var text = ""
                for e in events.dropLast() {
                    #expect(e.hasPrefix("data: "))
                    let chunk = try JSONDecoder().decode(Completion.Choice.Wrapper.self, from: Data(e.dropFirst(6).utf8))
                    text += chunk.choices.first?.text ?? ""
                }
                #expect(text == whole.choices[0].text)
            }
        }
    }

    @Test func errorsTakeEachAPIsShape() async throws {
        try await withServer { client in
            try await client.execute(uri: "/v1/chat/completions", method: .post, headers: Self.jsonHeaders, body: Self.json("{not json")) { r in
                #expect(r.status == .badRequest)
                let e = try JSONDecoder().decode(OpenAIErrorBody.self, from: Data(buffer: r.body))
                #expect(e.error.type == "invalid_request_error" && !e.error.message.isEmpty)
            }
            try await client.execute(uri: "/v1/completions", method: .post, headers: Self.jsonHeaders,
                                     body: Self.json(#"{"prompt": "x", "max_tokens": -3}"#)) { r in
                #expect(r.status == .badRequest)
                let e = try JSONDecoder().decode(OpenAIErrorBody.self, from: Data(buffer: r.body))
                #expect(e.error.param == "max_tokens", "\(e)")
            }
            try await client.execute(uri: "/v1/messages", method: .post, headers: Self.jsonHeaders,
                                     body: Self.json(#"{"model": "tiny", "messages": [{"role": "user", "content": "hi"}]}"#)) { r in
                #expect(r.status == .badRequest)
                let e = try JSONDecoder().decode(AnthropicErrorBody.self, from: Data(buffer: r.body))
                #expect(e.type == "error" && e.error.type == "invalid_request_error" && e.error.message.contains("max_tokens"), "\(e)")
            }
        }
    }

    @Test func apiKeyIsRequiredWhenSet() async throws {
        try await withServer(apiKey: "sekrit") { client in
            try await client.execute(uri: "/v1/models", method: .get) { r in #expect(r.status == .unauthorized) }
            try await client.execute(uri: "/v1/models", method: .get, headers: [.authorization: "Bearer wrong"]) { r in #expect(r.status == .unauthorized) }
            try await client.execute(uri: "/v1/models", method: .get, headers: [.authorization: "Bearer sekrit"]) { r in #expect(r.status == .ok) }
            try await client.execute(uri: "/v1/models", method: .get, headers: [HTTPField.Name("x-api-key")!: "sekrit"]) { r in #expect(r.status == .ok) }
        }
    }
}

extension RouteTests.Completion.Choice {
    /// One streamed chunk: its choices (text deltas).
    struct Wrapper: Decodable {
        struct Delta: Decodable { let text: String }
        let choices: [Delta]
    }
}
