import ArgumentParser
import Foundation
import Logging
import NIOCore
import RooflineEngine
import RooflineServer

/// `roofline serve`: the OpenAI-compatible server with continuous batching.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the model over an OpenAI-compatible HTTP API (chat, completions, streaming) with continuous batching.")

    @OptionGroup var model: ModelOptions

    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on (0 picks a free one; the bound port is printed).")
    var port = 8080

    @Option(help: "Sequences decoded together at most, in one pass over the weights (the batch limit).")
    var parallel = 4

    @Option(name: .customLong("kv-memory"), help: "Bytes of the KV block pool all sequences share, e.g. 512M or 2G (default: --parallel sequences at full context). At least one context.")
    var kvMemory: ByteSize?

    @Option(name: .customLong("max-queue"), help: "Requests that may wait to run; more get 429.")
    var maxQueue = 64

    @Option(name: .customLong("api-key"), help: "Require 'Authorization: Bearer KEY' on every route but /health (default: $ROOFLINE_API_KEY if set).")
    var apiKey: String?

    @Option(name: .customLong("timeout"), help: "Seconds a request may run before it is ended (0 = no limit).")
    var timeout: Double = 600

    @Option(name: .customLong("max-body-bytes"), help: "Largest request body accepted; larger ones get 413.")
    var maxBodyBytes = 4 << 20

    @Option(name: .customLong("prefill-chunk"), help: "Prompt tokens per sequence per step while others are decoding.")
    var prefillChunk = 64

    @Option(name: .customLong("shutdown-grace"), help: "Seconds running streams may finish after SIGINT/SIGTERM.")
    var shutdownGrace: Double = 30

    @Flag(name: .customLong("no-prefix-cache"), help: "Do not index full KV blocks by content for later requests sharing a prefix (they are freed when their sequence ends).")
    var noPrefixCache = false

    /// --lookup, --draft-model, --draft-tokens: speculative decoding for every request (a request opts out with
    /// "speculative": false); proposals are checked in the same batched pass.
    @OptionGroup var speculative: SpeculativeOptions

    @Option(name: .customLong("idle-timeout"), help: "Seconds a connection may send no request part (a stalled header or body) before it is closed.")
    var idleTimeout: Double = 30

    /// The longest duration a flag takes: longer ones are surely typos, and bounded ones convert to milliseconds safely.
    static let maxSeconds: Double = 365 * 24 * 3600

    func validate() throws {
        guard (1...256).contains(parallel) else { throw ValidationError("--parallel must be between 1 and 256") }
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
        guard maxQueue >= 0 else { throw ValidationError("--max-queue must be 0 or more") }
        guard timeout >= 0, timeout <= Self.maxSeconds else { throw ValidationError("--timeout must be between 0 and \(Int(Self.maxSeconds)) seconds (one year)") }
        guard maxBodyBytes >= 1024 else { throw ValidationError("--max-body-bytes must be at least 1024") }
        guard prefillChunk >= 1 else { throw ValidationError("--prefill-chunk must be at least 1") }
        guard shutdownGrace >= 0, shutdownGrace <= Self.maxSeconds else {
            throw ValidationError("--shutdown-grace must be between 0 and \(Int(Self.maxSeconds)) seconds (one year)")
        }
        guard idleTimeout > 0, idleTimeout <= Self.maxSeconds else {
            throw ValidationError("--idle-timeout must be more than 0 and at most \(Int(Self.maxSeconds)) seconds (one year)")
        }
        if let k = apiKey, k.isEmpty { throw ValidationError("--api-key must not be empty") }
    }

    func run() async throws {
        let engine = try model.load()
        let ctx = engine.contextSize
        var schedule = SchedulerConfiguration(
            parallel: parallel, contextSize: ctx, maxQueue: maxQueue, prefillChunk: prefillChunk,
            requestTimeout: timeout > 0 ? .milliseconds(Int64(timeout * 1000)) : nil, prefixCache: !noPrefixCache)
        schedule.lookupTokens = speculative.lookup ? speculative.draftTokens ?? 15 : 0
        if let name = speculative.draftModel {
            let draftPath = try ModelStore.resolve(name) { Stderr.print($0) }
            schedule.draft = try speculative.loadDraft(path: draftPath, target: engine)
            schedule.draftTokens = speculative.draftTokens ?? 4
        }
        schedule.kvMemory = kvMemory?.bytes
        let scheduler = try Scheduler(engine: engine, configuration: schedule)
        let path = engine.file.path
        let file = URL(fileURLWithPath: path).lastPathComponent
        let id = file.hasSuffix(".gguf") ? String(file.dropLast(5)) : file
        let key = apiKey ?? ProcessInfo.processInfo.environment["ROOFLINE_API_KEY"].flatMap { $0.isEmpty ? nil : $0 }
        let server = RooflineServer(engine: engine, scheduler: scheduler, configuration: ServerConfiguration(
            host: host, port: port, apiKey: key, maxBodyBytes: maxBodyBytes, modelID: id,
            aliases: [file, model.model].compactMap { $0 }, shutdownGrace: .milliseconds(Int64(shutdownGrace * 1000)),
            idleTimeout: .milliseconds(Int64(idleTimeout * 1000))))
        var logger = Logger(label: "roofline.serve")
        logger.logLevel = .info
        let stats = scheduler.stats
        let kv = String(format: "KV pool %.0f MB: %d positions", Double(stats.kvCapacityBytes) / 1e6, stats.kvCapacityTokens)
        do {
            try await serve(server, logger: logger, id: id, ctx: ctx, kv: kv)
        } catch let e as IOError where e.errnoCode == EADDRINUSE {
            throw ServeError("cannot listen on \(host):\(port): the address is already in use (is another server running? pick another --port)")
        }
    }

    private func serve(_ server: RooflineServer, logger: Logger, id: String, ctx: Int, kv: String) async throws {
        let (h, p, n) = (host, parallel, server.engine.model.pool.count)
        try await server.run(logger: logger) { bound in
            emit("roofline serve: \(id) on http://\(h):\(bound)/v1 — up to \(p) sequences of \(ctx) tokens (\(kv)), \(n) threads\n")
        }
    }
}

struct ServeError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}
