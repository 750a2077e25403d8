import ArgumentParser
import Foundation
import RooflineEngine

struct List: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "The models Roofline knows by name, which are cached, and their sizes.")

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        let rows = KnownModel.all.map { m -> [String: Any] in
            let path = ModelStore.cachedPath(m)
            let cached = FileManager.default.fileExists(atPath: path)
            return ["name": m.name, "model": m.summary, "bytes": m.bytes, "cached": cached, "path": cached ? path : NSNull(),
                    "default": m.name == ModelStore.defaultName]
        }
        if json {
            try printJSON(["models": rows, "cache": ModelStore.cacheDirectory.path])
            return
        }
        print("cache: \(ModelStore.cacheDirectory.path)")
        for r in rows {
            let name = (r["name"] as? String ?? "").padding(toLength: 20, withPad: " ", startingAt: 0)
            let mb = String(format: "%6.0f MB", Double(r["bytes"] as? Int ?? 0) / 1e6)
            let state = (r["cached"] as? Bool ?? false) ? "cached" : "not cached"
            let model = (r["model"] as? String ?? "").padding(toLength: 44, withPad: " ", startingAt: 0)
            print("\(name)\(model)\(mb)  \(state)")
        }
    }
}
