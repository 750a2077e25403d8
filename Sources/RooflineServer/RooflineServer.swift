import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import RooflineAPI
import RooflineEngine
import RooflineGrammar
import RooflineTokenizer
import ServiceLifecycle

/// The OpenAI-compatible HTTP server: chat and text completions (whole or streamed as Server-Sent Events),
/// the model list, health and Prometheus metrics, over a continuous-batching `Scheduler`.
public final class RooflineServer: Sendable {
    public let engine: Engine
    public let scheduler: Scheduler
    public let configuration: ServerConfiguration
    let metrics = ServerMetrics()
    /// Renders templates and tokenizes prompts off the HTTP threads.
    let prompts = PromptWorker()
    let started = Int(Date().timeIntervalSince1970)

    public init(engine: Engine, scheduler: Scheduler, configuration: ServerConfiguration) {
        self.engine = engine
        self.scheduler = scheduler
        self.configuration = configuration
    }

    /// Serves until SIGINT or SIGTERM, then stops admitting requests, lets running streams finish (up to the
    /// grace period), and closes. `onListening` receives the bound port (useful with port 0).
    public func run(logger: Logger = Logger(label: "roofline.serve"), onListening: @escaping @Sendable (Int) -> Void = { _ in }) async throws {
        let app = Application(
            router: makeRouter(),
            server: .http1(configuration: .init(idleTimeout: TimeAmount(configuration.idleTimeout))),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "roofline"),
            onServerRunning: { channel in onListening(channel.localAddress?.port ?? 0) },
            logger: logger)
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], cancellationSignals: [], logger: logger))
        let signals = try SignalWatcher { [scheduler, configuration] in
            logger.info("shutting down: finishing running streams (up to \(configuration.shutdownGrace))")
            await scheduler.shutdown(grace: configuration.shutdownGrace)
            await group.triggerGracefulShutdown()
        }
        defer { signals.stop() }
        try await group.run()
    }

    /// Every route and middleware of the server (`run` serves it; tests drive it in process).
    public func makeRouter() -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: RequestMetricsMiddleware(metrics: metrics))
        router.add(middleware: AnthropicErrorMiddleware())
        router.add(middleware: OpenAIErrorMiddleware())
        if let key = configuration.apiKey { router.add(middleware: APIKeyMiddleware(key: key)) }

        router.get("/health") { [scheduler] _, _ -> Response in
            let s = scheduler.stats
            let health = HealthStatus(status: s.accepting ? "ok" : "shutting_down", slots: s.slots, active: s.active, queued: s.queued)
            return Self.json(health, status: s.accepting ? .ok : .serviceUnavailable)
        }
        router.get("/metrics") { [metrics, scheduler] _, _ -> Response in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(string: metrics.render(scheduler.stats))))
        }
        router.get("/v1/models") { [self] _, _ -> Response in
            Self.json(ModelList(data: [modelObject]))
        }
        router.get("/v1/models/{id}") { [self] _, context -> Response in
            let id = context.parameters.get("id") ?? ""
            guard servesModel(id) else { throw modelNotFound(id) }
            return Self.json(modelObject)
        }
        router.post("/v1/chat/completions") { [self] request, _ -> Response in
            let req: ChatCompletionRequest = try await decode(request)
            try checkModel(req.fields.model)
            let messages: [ChatMessage]
            let tools: ToolRequest?
            do throws(RequestError) {
                messages = try req.chatMessages()
                tools = try req.toolRequest()
            } catch { throw OpenAIError(error) }
            let context = try toolContext(tools)
            let prompt = try await render(messages, tools: tools?.templateTools ?? [], param: "messages")
            return try await handler.respond(ResponseShape(.chat, model: configuration.modelID), prompt: prompt, fields: req.fields,
                                             promptParam: "messages", echo: nil, tools: context)
        }
        router.post("/v1/completions") { [self] request, _ -> Response in
            let req: CompletionRequest = try await decode(request)
            try checkModel(req.fields.model)
            if req.suffix != nil { throw OpenAIError.badParameter("suffix", "suffix (insertion) is not supported by this server") }
            let prompt: [Int32]
            var echo: String?
            switch req.prompt {
            case .text(let t):
                do {
                    prompt = try await engine.tokenize(t, on: prompts, maxTokens: scheduler.configuration.contextSize)
                } catch EngineError.promptTooLong(let least, let ctx) {
                    throw Self.tooLong(least, ctx, param: "prompt")
                }
                if req.echo == true { echo = t }
            case .tokens(let t):
                prompt = t
                if req.echo == true { echo = engine.tokenizer.decode(t.filter { $0 >= 0 && Int($0) < engine.model.config.vocabSize }) }
            }
            return try await handler.respond(ResponseShape(.completion, model: configuration.modelID), prompt: prompt, fields: req.fields,
                                             promptParam: "prompt", echo: echo)
        }
        router.post("/v1/messages") { [self] request, _ -> Response in
            let req: AnthropicMessagesRequest = try await decode(request)
            let (prompt, checked, tools) = try await prepare(req, param: "messages")
            return try await AnthropicHandler(scheduler: scheduler, metrics: metrics)
                .respond(prompt: prompt, options: checked, stream: req.stream == true, model: req.model ?? configuration.modelID, tools: tools)
        }
        router.post("/v1/responses") { [self] request, _ -> Response in
            let req: ResponsesRequest = try await decode(request)
            let (prompt, checked, tools) = try await prepare(req, param: "input")
            let given = req.echo
            let echo = ResponsesEcho(instructions: req.instructions, maxOutputTokens: req.maxOutputTokens,
                                     temperature: checked.sampling.temperature,
                                     topP: checked.sampling.topP < 1e-30 ? 0 : checked.sampling.topP,
                                     tools: given.tools, toolChoice: given.toolChoice, format: given.format,
                                     parallelToolCalls: tools?.names.isEmpty == false)
            let shape = ResponsesHandler.Shape(model: req.model ?? configuration.modelID, echo: echo, tools: tools)
            return try await ResponsesHandler(scheduler: scheduler, metrics: metrics)
                .respond(prompt: prompt, options: checked, stream: req.stream == true, shape: shape)
        }
        router.post("/v1/messages/count_tokens") { [self] request, _ -> Response in
            let req: AnthropicCountTokensRequest = try await decode(request)
            try checkModel(req.model)
            let messages: [ChatMessage]
            do throws(RequestError) { messages = try req.chatMessages() } catch { throw OpenAIError(error) }
            return Self.json(TokenCount(input_tokens: try await render(messages, param: "messages").count))
        }
        return router
    }

    /// A conversation request's prompt tokens, checked settings and tool use.
    private func prepare(_ req: some ConversationRequest, param: String) async throws -> ([Int32], RequestOptions, ToolContext?) {
        try checkModel(req.model)
        let messages: [ChatMessage]
        let checked: RequestOptions
        let tools: ToolRequest?
        do throws(RequestError) {
            messages = try req.chatMessages()
            checked = try req.options()
            tools = try req.toolRequest()
        } catch {
            throw OpenAIError(error)
        }
        let context = try toolContext(tools)
        return (try await render(messages, tools: tools?.templateTools ?? [], param: param), checked, context)
    }

    /// How the served model's replies are read for calls, and the constraint a required or named choice
    /// sets; nil when no tool may be called and the replies are plain text. A harmony model's replies are always
    /// read (their channels), with calls only when tools may be called.
    private func toolContext(_ tools: ToolRequest?) throws -> ToolContext? {
        let harmony = engine.chatTemplate.toolCallFormat == .harmony
        guard let tools, !tools.tools.isEmpty, tools.choice != .none else {
            return harmony ? ToolContext(format: .harmony, grammar: nil, names: [], callsAllowed: false) : nil
        }
        guard let format = engine.chatTemplate.toolCallFormat else {
            throw OpenAIError.badParameter("tools", "this model's chat template does not render tools (no tool-call format Roofline reads: hermes <tool_call>, mistral [TOOL_CALLS], llama3 JSON, gpt-oss harmony channels)")
        }
        do throws(RequestError) {
            return ToolContext(format: format, grammar: try tools.grammar(format: format), names: Set(tools.tools.map(\.function.name)))
        } catch { throw OpenAIError(error) }
    }

    /// Renders messages with the chat template and tokenizes them off the HTTP threads.
    private func render(_ messages: [ChatMessage], tools: [JSONValue] = [], param: String) async throws -> [Int32] {
        do {
            return try await engine.chatPrompt(messages, tools: tools, on: prompts, maxTokens: scheduler.configuration.contextSize)
        } catch EngineError.tokenizer(let e) where e != .cancelled {
            throw OpenAIError.badParameter(param, "the chat template could not render these messages: \(e)")
        } catch EngineError.promptTooLong(let least, let ctx) {
            throw Self.tooLong(least, ctx, param: param)
        }
    }

    /// A prompt refused before tokenizing: its text alone needs more tokens than the context holds.
    static func tooLong(_ least: Int, _ ctx: Int, param: String) -> OpenAIError {
        OpenAIError(.badRequest, "the prompt has at least \(least) tokens but the context holds \(ctx) per sequence (the prompt must be shorter than the context)",
                    param: param, code: "context_length_exceeded")
    }

    private var handler: GenerationHandler { GenerationHandler(scheduler: scheduler, metrics: metrics) }

    private var modelObject: ModelObject {
        ModelObject(id: configuration.modelID, created: started,
                    meta: .init(context_length: scheduler.configuration.contextSize, parallel: scheduler.configuration.parallel,
                                vocab_size: engine.model.config.vocabSize))
    }

    private func servesModel(_ name: String) -> Bool { name == configuration.modelID || configuration.aliases.contains(name) }

    private func modelNotFound(_ name: String) -> OpenAIError {
        OpenAIError(.notFound, "the model '\(name)' does not exist; this server serves '\(configuration.modelID)'", param: "model", code: "model_not_found")
    }

    /// A missing model name means the served one.
    private func checkModel(_ name: String?) throws(OpenAIError) {
        if let name, !servesModel(name) { throw modelNotFound(name) }
    }

    private func decode<T: Decodable>(_ request: Request) async throws -> T {
        let buffer = try await request.body.collect(upTo: configuration.maxBodyBytes)
        do throws(RequestError) {
            return try RequestDecoder.decode(T.self, from: Array(buffer: buffer))
        } catch {
            throw OpenAIError(error)
        }
    }

    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: JSON.data(value))))
    }
}

/// Counts requests by route and status (routes outside the API are counted as "other").
struct RequestMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: ServerMetrics
    static var routes: Set<String> { ["/health", "/metrics", "/v1/models", "/v1/chat/completions", "/v1/completions", "/v1/messages", "/v1/messages/count_tokens", "/v1/responses"] }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        let route = Self.routes.contains(path) ? path : path.hasPrefix("/v1/models/") ? "/v1/models/{id}" : "other"
        do {
            let response = try await next(request, context)
            metrics.request(route: route, status: response.status.code)
            return response
        } catch let e as any HTTPResponseError {
            metrics.request(route: route, status: e.status.code)
            throw e
        }
    }
}
