import Prometheus
import RooflineEngine

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
    private let activeSequences: Gauge
    private let slots: Gauge
    private let kvUsedTokens: Gauge
    private let kvCapacityTokens: Gauge
    private let kvUsedBytes: Gauge
    private let kvUsage: Gauge
    private let steps: Gauge

    init() {
        let r = registry
        promptTokens = r.makeCounter(name: "roofline_prompt_tokens_total", help: "Prompt tokens processed")
        generatedTokens = r.makeCounter(name: "roofline_generated_tokens_total", help: "Tokens generated")
        let fast: [Duration] = [.milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
                                .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10)]
        timeToFirstToken = r.makeDurationHistogram(name: "roofline_time_to_first_token_seconds", buckets: fast,
                                                   help: "Time from request arrival to the first generated token")
        interTokenLatency = r.makeDurationHistogram(name: "roofline_inter_token_latency_seconds", buckets: fast,
                                                    help: "Time between consecutive generated tokens of one sequence")
        requestDuration = r.makeDurationHistogram(name: "roofline_request_duration_seconds",
                                                  buckets: fast + [.seconds(30), .seconds(60), .seconds(300)],
                                                  help: "Time from request arrival to its last byte")
        queueDepth = r.makeGauge(name: "roofline_queue_depth", help: "Requests waiting for a slot")
        activeSequences = r.makeGauge(name: "roofline_active_sequences", help: "Sequences in the running batch")
        slots = r.makeGauge(name: "roofline_slots", help: "Sequences the scheduler can run together (--parallel)")
        kvUsedTokens = r.makeGauge(name: "roofline_kv_cache_used_tokens", help: "KV-cache positions in use")
        kvCapacityTokens = r.makeGauge(name: "roofline_kv_cache_capacity_tokens", help: "KV-cache positions in the pool")
        kvUsedBytes = r.makeGauge(name: "roofline_kv_cache_used_bytes", help: "KV-cache bytes in use")
        kvUsage = r.makeGauge(name: "roofline_kv_cache_usage_ratio", help: "Fraction of the KV-cache pool in use")
        steps = r.makeGauge(name: "roofline_batch_steps", help: "Batched forward passes run")
    }

    /// Counts a finished HTTP request by route and status.
    func request(route: String, status: Int) {
        registry.makeCounter(name: "roofline_requests_total", labels: [("route", route), ("status", "\(status)")],
                             help: "HTTP requests by route and status").increment()
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
        return registry.emitToString()
    }
}
