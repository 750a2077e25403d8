import RooflineGGUF

/// Converts a GGUF model to another tensor type, tensor by tensor, streaming the output
/// (llama.cpp's `llama_model_quantize` for the types Roofline can write).
public enum ModelQuantizer {
    /// Which type each tensor gets.
    public struct Options: Sendable {
        public var type: GGMLType
        /// Type for `output.weight` (default: `type`).
        public var outputType: GGMLType?
        /// Type for `token_embd.weight` (default: `type`).
        public var embeddingType: GGMLType?
        /// `pattern=type` rules on tensor names (`*` matches any run of characters); the first match wins.
        public var rules: [(pattern: String, type: GGMLType)] = []
        /// A llama.cpp K-quant mix (Q4_K_M, ...): per-tensor types for the tensors that rules and the output
        /// and embedding options leave; `type` should be its base type. Nil: every tensor gets `type`.
        public var profile: QuantProfile?

        public init(type: GGMLType, outputType: GGMLType? = nil, embeddingType: GGMLType? = nil, rules: [(pattern: String, type: GGMLType)] = []) {
            self.type = type
            self.outputType = outputType
            self.embeddingType = embeddingType
            self.rules = rules
        }
    }

    public struct Progress: Sendable {
        public var tensorsDone: Int
        public var tensorsTotal: Int
        public var bytesWritten: Int
    }

    public struct Summary: Sendable {
        public var tensors: Int
        public var bytes: Int
        public var byType: [GGMLType: Int]
        public var fallbacks: [String]
    }

    public enum Error: Swift.Error, CustomStringConvertible {
        case unsupportedTarget(GGMLType)
        case unsupportedSource(tensor: String, type: GGMLType)
        case badValues(tensor: String, reason: String)
        case profileNotApplicable(QuantProfile, String)
        case format(GGUFError)

        public var description: String {
            switch self {
            case .unsupportedTarget(let t):
                "writing \(t) is not supported yet (supported: \(Quantizer.supported.map(\.name).sorted().joined(separator: ", ")))"
            case .unsupportedSource(let n, let t): "tensor '\(n)' is \(t), which Roofline cannot read yet"
            case .badValues(let n, let r): "tensor '\(n)': \(r)"
            case .profileNotApplicable(let p, let r): "profile \(p): \(r)"
            case .format(let e): e.description
            }
        }
    }

    /// llama.cpp's `llama_ftype` for a file mostly of `type` (`general.file_type`).
    public static func fileType(_ type: GGMLType) -> UInt32? {
        // K-quants: the ftype llama-quantize writes for the plain type names (Q3_K, Q4_K and Q5_K are its
        // aliases of Q3_K_M, Q4_K_M and Q5_K_M).
        [.f32: 0, .f16: 1, .q4_0: 2, .q4_1: 3, .q8_0: 7, .q5_0: 8, .q5_1: 9, .q2_K: 10, .q3_K: 12, .q4_K: 15,
         .q5_K: 17, .q6_K: 18, .bf16: 32, .mxfp4: 38, .nvfp4: 39][type]
    }

    /// llama.cpp's `tensor_type_fallback` (src/llama-quant.cpp) for a row of `columns` values that is not a
    /// whole number of `type` blocks: the K-quants step down to a 32-block type (Q2_K, Q3_K → Q4_0; Q4_K →
    /// Q5_0; Q5_K → Q5_1; Q6_K → Q8_0), and where that does not fit either, or for any other type, F16.
    /// Returns `type` when the row fits.
    public static func fallbackType(_ type: GGMLType, columns: Int) -> GGMLType {
        guard columns % type.blockSize != 0 else { return type }
        let smaller: [GGMLType: GGMLType] = [.q2_K: .q4_0, .q3_K: .q4_0, .q4_K: .q5_0, .q5_K: .q5_1, .q6_K: .q8_0]
        if let s = smaller[type], columns % s.blockSize == 0 { return s }
        return .f16
    }

    /// The type a tensor gets under `options` (before the block-size fallback); `profileTypes` holds the
    /// mix's choices when `options.profile` is set.
    public static func targetType(name: String, dims: [Int], options o: Options, profileTypes: [String: GGMLType] = [:]) -> GGMLType {
        if dims.count == 1 { return .f32 }  // norms and biases stay F32, as llama.cpp keeps them
        if let r = o.rules.first(where: { wildcardMatch($0.pattern, name) }) { return r.type }
        if name == "output.weight", let t = o.outputType { return t }
        if name == "token_embd.weight", let t = o.embeddingType { return t }
        return profileTypes[name] ?? o.type
    }

    /// The mix's type for each tensor of `input` that rules and options leave to it.
    static func profileTypes(_ input: GGUFFile, options o: Options) throws(Error) -> [String: GGMLType] {
        guard let p = o.profile else { return [:] }
        let facts = QuantProfile.Model.from(input)
        guard let model = facts.model else { throw .profileNotApplicable(p, facts.problem ?? "not applicable") }
        let quantized = input.tensors.filter { $0.dims.count >= 2 }.map { (name: $0.name, columns: $0.dims[0]) }
        return p.types(for: quantized, model: model) { name in
            o.rules.contains { wildcardMatch($0.pattern, name) } || (name == "output.weight" && o.outputType != nil)
                || (name == "token_embd.weight" && o.embeddingType != nil)
        }
    }

    public static func quantize(_ input: GGUFFile, to outputPath: String, options: Options,
                                warn: (String) -> Void = { _ in },
                                progress: (Progress) -> Void = { _ in }) throws(Error) -> Summary {
        for t in [options.type, options.outputType, options.embeddingType].compactMap({ $0 }) + options.rules.map(\.type)
        where !Quantizer.supported.contains(t) { throw .unsupportedTarget(t) }

        let mix = try profileTypes(input, options: options)
        var decls: [GGUFStreamWriter.TensorDecl] = []
        var fallbacks: [String] = []
        var warnedLossy = false
        for t in input.tensors {
            guard TensorKernels.supported.contains(t.type) else { throw .unsupportedSource(tensor: t.name, type: t.type) }
            var target = targetType(name: t.name, dims: t.dims, options: options, profileTypes: mix)
            let fallback = fallbackType(target, columns: t.dims[0])
            if fallback != target {
                // Documented fallback, llama-quantize's: rows that are not whole blocks get a smaller block
                // type (K-quants) or F16.
                fallbacks.append(t.name)
                warn("tensor '\(t.name)': row length \(t.dims[0]) is not a multiple of the \(target) block size \(target.blockSize); stored as \(fallback)")
                target = fallback
            }
            if !warnedLossy, ![GGMLType.f32, .f16, .bf16].contains(t.type), t.type != target {
                warn("the source is already quantized (\(t.type)); requantizing to \(target) adds a second rounding, and quality is below quantizing from the original float weights")
                warnedLossy = true
            }
            decls.append(.init(name: t.name, dims: t.dims, type: target))
        }

        var meta = input.metadataKeys.map { (key: $0, value: input.metadata[$0]!) }
        func set(_ k: String, _ v: GGUFValue) {
            if let i = meta.firstIndex(where: { $0.key == k }) { meta[i].value = v } else { meta.append((k, v)) }
        }
        if let ft = options.profile?.fileType ?? fileType(options.type) { set("general.file_type", .uint32(ft)) }
        set("general.quantization_version", .uint32(2))
        if let note = GGMLType.rooflineTypesNote(decls.map(\.type)) { set(GGMLType.rooflineTypesKey, note) } else {
            meta.removeAll { $0.key == GGMLType.rooflineTypesKey }
        }

        let writer: GGUFStreamWriter
        do { writer = try GGUFStreamWriter(path: outputPath, metadata: meta, tensors: decls) } catch { throw .format(error) }
        var byType: [GGMLType: Int] = [:]
        for (i, (t, d)) in zip(input.tensors, decls).enumerated() {
            let bytes: [UInt8]
            if t.type == d.type {
                bytes = Array(UnsafeRawBufferPointer(start: input.data(t), count: t.byteCount))
            } else {
                guard let values = TensorKernels.dequantize(t.type, input.data(t), rows: t.rowCount, cols: t.rowLength) else {
                    writer.abandon()
                    throw .unsupportedSource(tensor: t.name, type: t.type)
                }
                if let bad = values.firstIndex(where: { !$0.isFinite }) {
                    writer.abandon()
                    throw .badValues(tensor: t.name, reason: "value #\(bad) is \(values[bad]); refusing to quantize NaN or infinite weights")
                }
                do {
                    bytes = try Quantizer.quantize(values, to: d.type, rowLength: t.rowLength)
                } catch {
                    writer.abandon()
                    throw .badValues(tensor: t.name, reason: error.description)
                }
            }
            do { try writer.append(bytes) } catch { throw .format(error) }
            byType[d.type, default: 0] += 1
            progress(Progress(tensorsDone: i + 1, tensorsTotal: decls.count, bytesWritten: writer.bytesWritten))
        }
        do { try writer.finish() } catch { throw .format(error) }
        return Summary(tensors: decls.count, bytes: writer.bytesWritten, byType: byType, fallbacks: fallbacks)
    }

    /// Glob match with `*` (any run of characters) and `?` (one character).
    public static func wildcardMatch(_ pattern: String, _ text: String) -> Bool {
        let p = Array(pattern), s = Array(text)
        var pi = 0, si = 0, star = -1, mark = 0
        while si < s.count {
            if pi < p.count && (p[pi] == "?" || p[pi] == s[si]) { pi += 1; si += 1 }
            else if pi < p.count && p[pi] == "*" { star = pi; mark = si; pi += 1 }
            else if star >= 0 { pi = star + 1; mark += 1; si = mark }
            else { return false }
        }
        while pi < p.count && p[pi] == "*" { pi += 1 }
        return pi == p.count
    }
}
