/// The metadata note that marks a GGUF file holding Roofline's own tensor types (ids 1000 and up), which
/// llama.cpp and other GGUF readers do not know: `roofline.tensor_types`, one string per type used,
/// "ID NAME: layout". `roofline quantize IN OUT --type q8_0` (or any ggml type) converts such a file for llama.cpp.
extension GGMLType {
    public static let rooflineTypesKey = "roofline.tensor_types"

    /// The row layout of a Roofline type, in words.
    public var rooflineLayout: String? {
        switch self {
        case .fp8_e4m3: "rows of a float32 scale then one FP8 E4M3FN code per element (value = code * scale)"
        case .fp8_e5m2: "rows of a float32 scale then one FP8 E5M2 code per element (value = code * scale)"
        default: nil
        }
    }

    /// The note for a file whose tensors have `types`, or nil when none is Roofline's own.
    public static func rooflineTypesNote(_ types: [GGMLType]) -> GGUFValue? {
        let own = Set(types.filter(\.isRooflineOnly)).sorted { $0.rawValue < $1.rawValue }
        guard !own.isEmpty else { return nil }
        return .array(.string, own.map { .string("\($0.rawValue) \($0.name): \($0.rooflineLayout ?? "")") })
    }
}
