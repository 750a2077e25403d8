/// How `roofline serve` listens and guards its endpoints.
public struct ServerConfiguration: Sendable {
    public var host: String
    /// 0 picks a free port (printed when listening).
    public var port: Int
    /// When set, every route but /health wants `Authorization: Bearer KEY`.
    public var apiKey: String?
    /// Larger request bodies get 413.
    public var maxBodyBytes: Int
    /// The id `/v1/models` lists; requests may name it or any of `aliases`.
    public var modelID: String
    public var aliases: [String]
    /// On SIGINT/SIGTERM, running streams may finish for this long before they are ended.
    public var shutdownGrace: Duration
    /// A connection that sends no request part (a header that never completes, a body that stalls) for this long
    /// is closed; responses being written are not affected.
    public var idleTimeout: Duration

    public init(host: String = "127.0.0.1", port: Int = 8080, apiKey: String? = nil, maxBodyBytes: Int = 4 << 20,
                modelID: String, aliases: [String] = [], shutdownGrace: Duration = .seconds(30), idleTimeout: Duration = .seconds(30)) {
        self.idleTimeout = idleTimeout
        self.host = host
        self.port = port
        self.apiKey = apiKey
        self.maxBodyBytes = maxBodyBytes
        self.modelID = modelID
        self.aliases = aliases
        self.shutdownGrace = shutdownGrace
    }
}
