import ArgumentParser
import RooflineEngine

/// Speculative decoding flags shared by generate, chat and bench.
struct SpeculativeOptions: ParsableArguments {
    @Option(name: .customLong("draft-model"), help: "Speculative decoding with a draft model of the same vocabulary (a GGUF file or a known name, e.g. qwen2.5-coder-0.5b for qwen2.5-coder-1.5b): it proposes tokens the target checks in one pass (lossless).")
    var draftModel: String?

    @Flag(help: "Speculative decoding by prompt lookup: tokens that followed the last n-gram earlier in the text are proposed and checked in one pass (lossless). With --draft-model, lookup is tried first.")
    var lookup = false

    @Option(name: .customLong("draft-tokens"), help: "The most tokens proposed per step, 1-64 (default: 15 for lookup, which fills the widest batch kernel with the token fed and adapts below it; 4 for a draft model, which also stops where it is unsure).")
    var draftTokens: Int?

    @Option(name: .customLong("draft-vocab"), help: "With --draft-model: the draft proposes only token ids below this, reading that much of its output head (default 65536; 0: all).")
    var draftVocab: Int?

    var enabled: Bool { lookup || draftModel != nil }

    func validate() throws {
        guard draftTokens.map({ (1...64).contains($0) }) ?? true else { throw ValidationError("--draft-tokens must be between 1 and 64") }
        guard draftVocab.map({ $0 >= 0 }) ?? true else { throw ValidationError("--draft-vocab must be 0 (all) or a positive number of tokens") }
    }

    /// Sets `options` for the flags, loading the draft model beside `target`.
    func apply(to options: inout GenerationOptions, target: Engine) throws {
        options.lookupTokens = lookup ? draftTokens ?? 15 : 0
        options.draftTokens = draftTokens ?? 4
        if let draftModel {
            let path = try ModelStore.resolve(draftModel) { Stderr.print($0) }
            options.draft = try loadDraft(path: path, target: target)
        }
    }

    /// The draft model at `path` beside `target`, with --draft-vocab applied.
    func loadDraft(path: String, target: Engine) throws -> DraftModel {
        let draft = try DraftModel(path: path, target: target)
        if let v = draftVocab { draft.vocabularyLimit = v == 0 ? nil : v }
        return draft
    }

    /// The draft or lookup figures for the closing line of generate and chat ("" when off).
    func summary(_ r: GenerationResult) -> String {
        guard enabled else { return "" }
        let how = [draftModel != nil ? "draft" : nil, lookup ? "lookup" : nil].compactMap { $0 }.joined(separator: "+")
        return " | \(how): \(r.acceptedTokens) of \(r.proposedTokens) proposed accepted"
    }
}
