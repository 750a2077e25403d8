import Foundation

/// The weights of a Hugging Face checkpoint folder: `model.safetensors.index.json` and its shards, or every
/// `*.safetensors` file in the folder. Each tensor is found by name in the file that holds it.
public final class SafetensorsCheckpoint: @unchecked Sendable {
    public let folder: String
    public let files: [SafetensorsFile]
    private let owner: [String: Int]  // tensor name -> index in `files`

    public init(folder: String) throws(SafetensorsError) {
        self.folder = folder
        let fm = FileManager.default
        let indexPath = (folder as NSString).appendingPathComponent("model.safetensors.index.json")
        var shardNames: [String]
        var weightMap: [String: String]?
        if fm.fileExists(atPath: indexPath) {
            guard let data = try? readRegularFile(indexPath, maxBytes: 64 << 20),
                  let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                  let map = obj["weight_map"] as? [String: Any] else {
                throw .invalidHeader(path: indexPath, reason: "not a JSON object with a 'weight_map' object")
            }
            var wm: [String: String] = [:]
            for (k, v) in map {
                guard let s = v as? String, !s.contains("/"), s.hasSuffix(".safetensors") else {
                    throw .invalidHeader(path: indexPath, reason: "weight_map['\(k)'] is not a .safetensors file name in the folder")
                }
                wm[k] = s
            }
            weightMap = wm
            shardNames = Array(Set(wm.values)).sorted()
        } else {
            let all = (try? fm.contentsOfDirectory(atPath: folder)) ?? []
            shardNames = all.filter { $0.hasSuffix(".safetensors") }.sorted()
        }
        guard !shardNames.isEmpty else { throw .noWeights(folder: folder) }
        var opened: [SafetensorsFile] = []
        var owner: [String: Int] = [:]
        for (i, name) in shardNames.enumerated() {
            let f = try SafetensorsFile(path: (folder as NSString).appendingPathComponent(name))
            for t in f.names {
                if let prev = owner[t] {
                    throw .invalidTensor(path: f.path, name: t, reason: "also present in \(opened[prev].path)")
                }
                owner[t] = i
            }
            opened.append(f)
        }
        if let weightMap {
            for (t, file) in weightMap {
                guard let i = owner[t], (opened[i].path as NSString).lastPathComponent == file else {
                    throw .missingTensor(name: t, folder: folder)
                }
            }
        }
        files = opened
        self.owner = owner
    }

    /// Every tensor name, sorted.
    public var names: [String] { owner.keys.sorted() }

    /// The tensor and the file holding it, or nil.
    public func tensor(_ name: String) -> (SafetensorsTensor, SafetensorsFile)? {
        guard let i = owner[name], let t = files[i].tensors[name] else { return nil }
        return (t, files[i])
    }
}
