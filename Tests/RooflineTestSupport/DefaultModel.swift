import RooflineEngine

/// The default model, fetched through the same code path users take (`ModelStore.resolve`), loaded once.
public enum DefaultModel {
    public static let path: String? = try? ModelStore.resolve(nil)
    public static let engine: Engine? = path.flatMap { try? Engine(path: $0, threads: 2, contextSize: 512) }
}
