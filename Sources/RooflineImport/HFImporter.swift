import Foundation
import RooflineGGUF

/// Hugging Face checkpoint folders (config.json + *.safetensors + tokenizer.json) to GGUF, the way llama.cpp's
/// converter lays the model out (HFTensorPlan.swift): its tensor names, dimensions innermost first, (Llama) Q and
/// K rows permuted from the checkpoint's half-split RoPE order to ggml's interleaved order, norms and biases in
/// F32, weights in their own F32/F16/BF16 (FP8 weights as Roofline's FP8 rows, see HFQuantization). The file is written tensor by tensor to a temporary name and renamed when complete.
public enum HFImporter {
    /// Whether `path` is a folder holding a `config.json`.
    public static func isCheckpoint(_ path: String) -> Bool {
        var dir: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &dir) && dir.boolValue
            && FileManager.default.fileExists(atPath: (path as NSString).appendingPathComponent("config.json"))
    }

    /// The folder converted once into `cache/imported/<folder name>-<path hash>-<files hash>.gguf`, reused while
    /// the folder's files are unchanged. When they change, the folder is converted again and its earlier
    /// conversions are removed, so the cache holds one file per folder however often the folder is edited.
    public static func cachedImport(folder: String, cache: URL, log: (String) -> Void = { _ in }) throws(ImportError) -> String {
        let dir = cache.appendingPathComponent("imported")
        let url = URL(fileURLWithPath: folder).standardizedFileURL
        let key = "\(url.lastPathComponent)-\(fnv1a([url.path]))-"
        let out = dir.appendingPathComponent("\(key)\(fingerprint(folder)).gguf").path
        if FileManager.default.fileExists(atPath: out) { return out }
        do { try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true) } catch {
            throw .write(.writeFailed(path: dir.path, reason: error.localizedDescription))
        }
        log("Importing \(folder) into \(out) …")
        try convert(folder: folder, to: out)
        for old in (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        where old.hasPrefix(key) && old.hasSuffix(".gguf") && old != (out as NSString).lastPathComponent {
            try? FileManager.default.removeItem(at: dir.appendingPathComponent(old))
        }
        return out
    }

    /// FNV-1a over each file's name, size and modification time in the folder.
    static func fingerprint(_ folder: String) -> String {
        let url = URL(fileURLWithPath: folder).standardizedFileURL
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []).sorted()
        return fnv1a(files.flatMap { f -> [String] in
            let attrs = try? FileManager.default.attributesOfItem(atPath: url.appendingPathComponent(f).path)
            return [f, "\(attrs?[.size] ?? 0)", "\((attrs?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0)"]
        })
    }

    /// 64-bit FNV-1a over the strings' UTF-8 bytes, each followed by a zero byte, in hexadecimal.
    static func fnv1a(_ strings: [String]) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for s in strings { for b in s.utf8 + [0] { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 } }
        return String(h, radix: 16)
    }

    /// The `tokenizer.*` GGUF metadata for a folder's `tokenizer.json` and `tokenizer_config.json`.
    public static func tokenizerMetadata(folder: String, vocabSize: Int) throws(ImportError) -> [(key: String, value: GGUFValue)] {
        try HFTokenizer(folder: folder, vocabSize: vocabSize).metadata()
    }

    /// Converts `folder` into a GGUF file at `output`.
    public static func convert(folder: String, to output: String) throws(ImportError) {
        let cfg = try HFConfig(path: (folder as NSString).appendingPathComponent("config.json"))
        let tok = try HFTokenizer(folder: folder, vocabSize: cfg.vocab)
        let ckpt: SafetensorsCheckpoint
        do { ckpt = try SafetensorsCheckpoint(folder: folder) } catch { throw .weights(error) }
        let plan = try plan(cfg, ckpt)
        let name = URL(fileURLWithPath: folder).standardizedFileURL.lastPathComponent
        var meta = cfg.metadata(name: name) + tok.metadata()
        let allF32 = plan.allSatisfy { $0.type == .f32 }
        if let note = GGMLType.rooflineTypesNote(plan.map(\.type)) {
            meta.append((GGMLType.rooflineTypesKey, note))  // FP8: no llama.cpp file type fits
        } else {
            meta.append(("general.file_type", .uint32(allF32 ? 0 : plan.contains { $0.type == .bf16 } ? 32 : 1)))
        }
        let writer: GGUFStreamWriter
        do {
            writer = try GGUFStreamWriter(path: output, metadata: meta, tensors: plan.map { .init(name: $0.gguf, dims: $0.dims, type: $0.type) })
        } catch { throw .write(error) }
        do {
            for p in plan {
                try writer.append(bytes(p, ckpt))
            }
            try writer.finish()
        } catch let e as ImportError {
            writer.abandon()
            throw e
        } catch let e as GGUFError {
            writer.abandon()
            throw .write(e)
        } catch {
            writer.abandon()
            throw .inconsistent("\(error)")
        }
    }

    /// The tensor's bytes in the GGUF type, with Q/K rows permuted when asked:
    /// new row h·d + 2i + j = old row h·d + j·d/2 + i (llama.cpp's `permute` in its converter).
    static func bytes(_ t: SafetensorsTensor, _ f: SafetensorsFile, as type: GGMLType, permuteHeads: Int, fp8Scales: [Float]? = nil) throws(ImportError) -> [UInt8] {
        let src = f.data(t)
        var raw: [UInt8]
        if let fp8Scales {
            raw = try HFQuantization.rows(t, f, scales: fp8Scales)  // whole rows (scale + codes) move together below
        } else if type == .f32 && t.dtype != .f32 {
            guard let v = f.floats(t) else { throw .unsupported(file: f.path, what: "converting \(t.dtype.rawValue)") }
            raw = v.withUnsafeBytes { Array($0) }
        } else {
            raw = Array(UnsafeRawBufferPointer(start: src, count: t.byteCount))
        }
        guard permuteHeads > 0, t.shape.count == 2 else { return raw }
        let rows = t.shape[0], rowBytes = raw.count / rows, d = rows / permuteHeads
        guard rows % permuteHeads == 0, d % 2 == 0 else {
            throw .inconsistent("\(f.path): '\(t.name)' has \(rows) rows, not \(permuteHeads) heads of an even size")
        }
        var out = [UInt8](repeating: 0, count: raw.count)
        raw.withUnsafeBytes { s in
            out.withUnsafeMutableBytes { o in
                for hh in 0..<permuteHeads {
                    for i in 0..<(d / 2) {
                        for j in 0..<2 {
                            let newRow = hh * d + 2 * i + j, oldRow = hh * d + j * (d / 2) + i
                            (o.baseAddress! + newRow * rowBytes).copyMemory(from: s.baseAddress! + oldRow * rowBytes, byteCount: rowBytes)
                        }
                    }
                }
            }
        }
        return out
    }
}
