import RooflineGGUF
import RooflineModel

/// A description of a GGUF model for `roofline inspect`.
public struct ModelReport {
    public let file: GGUFFile

    public init(file: GGUFFile) { self.file = file }

    struct TypeSummary { var count = 0; var elements = 0; var bytes = 0 }

    var byType: [(GGMLType, TypeSummary)] {
        var d: [GGMLType: TypeSummary] = [:]
        for t in file.tensors {
            d[t.type, default: TypeSummary()].count += 1
            d[t.type, default: TypeSummary()].elements += t.elementCount
            d[t.type, default: TypeSummary()].bytes += t.byteCount
        }
        return d.sorted { $0.value.bytes > $1.value.bytes }
    }

    var architecturePrefix: String { (file.metadata["general.architecture"]?.stringValue ?? "?") + "." }

    var hyperparameters: [(String, String)] {
        let arch = file.metadata["general.architecture"]?.stringValue ?? "?"
        return file.metadataKeys.filter { $0.hasPrefix(arch + ".") }.map { key in
            let v = file.metadata[key]!
            return (key, v.stringValue ?? v.doubleValue.map { $0 == $0.rounded() && abs($0) < 1e15 ? String(Int($0)) : String($0) } ?? "\(v.type)")
        }
    }

    var tokenizerSummary: [String: Any] {
        var d: [String: Any] = [:]
        d["model"] = file.metadata["tokenizer.ggml.model"]?.stringValue ?? "none"
        d["pre"] = file.metadata["tokenizer.ggml.pre"]?.stringValue ?? "default"
        d["tokens"] = file.metadata["tokenizer.ggml.tokens"]?.arrayValue?.count ?? 0
        d["merges"] = file.metadata["tokenizer.ggml.merges"]?.arrayValue?.count ?? 0
        d["bos_token_id"] = file.metadata["tokenizer.ggml.bos_token_id"]?.intValue ?? -1
        d["eos_token_id"] = file.metadata["tokenizer.ggml.eos_token_id"]?.intValue ?? -1
        d["has_chat_template"] = file.metadata["tokenizer.chat_template"] != nil
        return d
    }

    public var json: [String: Any] {
        let params = file.tensors.reduce(0) { $0 + $1.elementCount }
        return [
            "path": file.path,
            "gguf_version": Int(file.version),
            "file_bytes": file.fileSize,
            "architecture": file.metadata["general.architecture"]?.stringValue ?? "",
            "name": file.metadata["general.name"]?.stringValue ?? "",
            "parameters": params,
            "hyperparameters": Dictionary(uniqueKeysWithValues: file.metadataKeys.filter { $0.hasPrefix(architecturePrefix) }.map { key -> (String, Any) in
                let v = file.metadata[key]!
                if let i = v.intValue { return (key, i) }
                if let d = v.doubleValue { return (key, d) }
                return (key, v.stringValue ?? "\(v.type)")
            }),
            "tokenizer": tokenizerSummary,
            "tensor_count": file.tensors.count,
            "tensors_by_type": byType.map { ["type": $0.0.name, "count": $0.1.count, "elements": $0.1.elements, "bytes": $0.1.bytes] },
        ]
    }

    public var text: String {
        var lines: [String] = []
        let params = file.tensors.reduce(0) { $0 + $1.elementCount }
        lines.append("file:          \(file.path) (\(file.fileSize) bytes, GGUF v\(file.version))")
        lines.append("architecture:  \(file.metadata["general.architecture"]?.stringValue ?? "?")  name: \(file.metadata["general.name"]?.stringValue ?? "?")")
        lines.append("parameters:    \(params)")
        lines.append("hyperparameters:")
        for (k, v) in hyperparameters { lines.append("  \(k) = \(v)") }
        lines.append("tokenizer:")
        for (k, v) in tokenizerSummary.sorted(by: { $0.key < $1.key }) { lines.append("  \(k) = \(v)") }
        lines.append("tensors: \(file.tensors.count)")
        for (t, s) in byType {
            lines.append("  \(t.name.padding(toLength: max(6, t.name.count), withPad: " ", startingAt: 0)) \(String(s.count).leftPad(4)) tensors  \(String(s.elements).leftPad(12)) elements  \(String(s.bytes).leftPad(12)) bytes")
        }
        return lines.joined(separator: "\n")
    }
}

extension String {
    func leftPad(_ n: Int) -> String { count >= n ? self : String(repeating: " ", count: n - count) + self }
}

#if canImport(Foundation)
import Foundation
#endif
