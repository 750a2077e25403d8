import Prometheus
import RooflineEngine
import RooflineModel

/// The server's Prometheus metrics (`GET /metrics`): requests, tokens, queue and batch occupancy, KV-cache use,
/// and latency histograms for time to first token, time between tokens and whole requests.
final class ServerMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    let promptTokens: Counter
    let generatedTokens: Counter
    let timeToFirstToken: DurationHistogram
    let interTokenLatency: DurationHistogram
    let requestDuration: DurationHistogram
    private let queueDepth: Gauge
    private let proposed: Gauge
    private let accepted: Gauge
    private let acceptance: Gauge
    private let activeSequences: Gauge
    private let slots: Gauge
    private let kvUsedTokens: Gauge
    private let kvCapacityTokens: Gauge
    private let kvUsedBytes: Gauge
    private let kvUsage: Gauge
    private let steps: Gauge
    private let prefixQueries: Gauge
    private let prefixHits: Gauge
    private let kvCachedTokens: Gauge
    private let kvBlocksInUse: Gauge
    private let kvBlocksCached: Gauge
    private let kvBlocksFree: Gauge
    private let kvEvictions: Gauge
    private let kvCopies: Gauge
    private let preemptions: Gauge

    init() {
        let r = registry
        promptTokens = r.makeCounter(descriptor: Self.name("prompt_tokens", "total", "Prompt tokens processed"))
        generatedTokens = r.makeCounter(descriptor: Self.name("generated_tokens", "total", "Tokens generated"))
        let fast: [Duration] = [.milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
                                .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10)]
        timeToFirstToken = r.makeDurationHistogram(
            descriptor: Self.name("time_to_first_token", "seconds", "Time from request arrival to the first generated token"), buckets: fast)
        interTokenLatency = r.makeDurationHistogram(
            descriptor: Self.name("inter_token_latency", "seconds", "Time between consecutive generated tokens of one sequence"), buckets: fast)
        requestDuration = r.makeDurationHistogram(
            descriptor: Self.name("request_duration", "seconds", "Time from request arrival to its last byte"),
            buckets: fast + [.seconds(30), .seconds(60), .seconds(300)])
        queueDepth = r.makeGauge(descriptor: Self.name("queue_depth", "", "Requests waiting to run"))
        activeSequences = r.makeGauge(descriptor: Self.name("active_sequences", "", "Sequences in the running batch"))
        slots = r.makeGauge(descriptor: Self.name("slots", "", "Sequences the scheduler can run together (--parallel)"))
        kvUsedTokens = r.makeGauge(descriptor: Self.name("kv_cache_used", "tokens", "KV-cache positions in blocks that sequences hold"))
        kvCapacityTokens = r.makeGauge(descriptor: Self.name("kv_cache_capacity", "tokens", "KV-cache positions in the pool"))
        kvUsedBytes = r.makeGauge(descriptor: Self.name("kv_cache_used", "bytes", "KV-cache bytes in use"))
        kvUsage = r.makeGauge(descriptor: Self.name("kv_cache_usage", "ratio", "Fraction of the KV-cache pool in use"))
        steps = r.makeGauge(descriptor: Self.name("batch_steps", "", "Batched forward passes run"))
        prefixQueries = r.makeGauge(descriptor: Self.name("prefix_cache_queries", "tokens", "Prompt tokens of admitted requests (since start)"))
        prefixHits = r.makeGauge(descriptor: Self.name("prefix_cache_hits", "tokens", "Prompt tokens found in the prefix cache (since start)"))
        kvCachedTokens = r.makeGauge(descriptor: Self.name("kv_cache_cached", "tokens", "KV-cache positions in cached blocks no sequence holds"))
        kvBlocksInUse = r.makeGauge(descriptor: Self.name("kv_blocks_in_use", "", "KV blocks held by at least one sequence"))
        kvBlocksCached = r.makeGauge(descriptor: Self.name("kv_blocks_cached", "", "KV blocks no sequence holds, kept for prefix reuse"))
        kvBlocksFree = r.makeGauge(descriptor: Self.name("kv_blocks_free", "", "KV blocks holding nothing"))
        kvEvictions = r.makeGauge(descriptor: Self.name("kv_block_evictions", "", "Cached KV blocks reused for other content (since start)"))
        kvCopies = r.makeGauge(descriptor: Self.name("kv_block_copies", "", "Shared KV blocks copied before a write (since start)"))
        preemptions = r.makeGauge(descriptor: Self.name("preemptions", "", "Sequences preempted for KV blocks, their work redone later (since start)"))
        proposed = r.makeGauge(descriptor: Self.name("speculative_proposed", "tokens", "Tokens proposed by speculative decoding (since start)"))
        accepted = r.makeGauge(descriptor: Self.name("speculative_accepted", "tokens", "Proposed tokens that were accepted (since start)"))
        acceptance = r.makeGauge(descriptor: Self.name("speculative_acceptance", "ratio", "Accepted over proposed tokens (since start)"))
        // The KV block size as a label (vLLM's cache_config_info), for routers that score prefix-cache affinity.
        r.makeGauge(descriptor: Self.name("cache_config_info", "", "KV cache configuration (labels; value 1)"),
                    labels: [("block_size", "\(KVBlockPool.blockSize)")]).set(to: 1)
    }

    /// `roofline_<metric>_<unit>` (an empty unit adds nothing), with its help line.
    private static func name(_ metric: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "roofline", metricName: metric, unitName: unit, helpText: help)
    }

    /// Counts a finished HTTP request by route and status.
    func request(route: String, status: Int) {
        registry.makeCounter(descriptor: Self.name("requests", "total", "HTTP requests by route and status"),
                             labels: [("route", route), ("status", "\(status)")]).increment()
    }

    /// The text exposition, with the scheduler's gauges read now.
    func render(_ s: SchedulerStats) -> String {
        queueDepth.set(to: Double(s.queued))
        activeSequences.set(to: Double(s.active))
        slots.set(to: Double(s.slots))
        kvUsedTokens.set(to: Double(s.kvUsedTokens))
        kvCapacityTokens.set(to: Double(s.kvCapacityTokens))
        kvUsedBytes.set(to: Double(s.kvUsedBytes))
        kvUsage.set(to: s.kvCapacityTokens > 0 ? Double(s.kvUsedTokens) / Double(s.kvCapacityTokens) : 0)
        steps.set(to: Double(s.steps))
        prefixQueries.set(to: Double(s.prefixQueryTokens))
        prefixHits.set(to: Double(s.prefixHitTokens))
        kvCachedTokens.set(to: Double(s.kvCachedTokens))
        kvBlocksInUse.set(to: Double(s.kvBlocks.inUse))
        kvBlocksCached.set(to: Double(s.kvBlocks.cached))
        kvBlocksFree.set(to: Double(s.kvBlocks.free))
        kvEvictions.set(to: Double(s.kvBlocks.evictions))
        kvCopies.set(to: Double(s.kvBlocks.copies))
        preemptions.set(to: Double(s.preemptions))
        proposed.set(to: Double(s.proposedTokens))
        accepted.set(to: Double(s.acceptedTokens))
        acceptance.set(to: s.proposedTokens > 0 ? Double(s.acceptedTokens) / Double(s.proposedTokens) : 0)
        return registry.emitToString()
    }
}
