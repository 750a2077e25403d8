import RooflineModel

/// A KV cache that outlives one generation, for a conversation: it remembers the tokens whose keys and values
/// it holds, and the next generation reuses the longest prefix its prompt shares with them, prefilling only the
/// rest (llama.cpp's `cache_prompt` for one slot). A chat resends the whole conversation each turn; with this,
/// earlier turns are not prefilled again.
public final class ConversationCache {
    let cache: KVCache
    /// The tokens at positions 0..<cache.count, in order.
    var tokens: [Int32] = []
    /// The draft model's cache for the same conversation (speculative decoding), kept between turns as well.
    var drafting: DraftSession?

    init(cache: KVCache) { self.cache = cache }

    /// Positions of `prompt` that can be reused: the shared prefix, leaving at least one token to run so the
    /// last prompt token's logits are computed.
    func reusable(for prompt: [Int32]) -> Int {
        var n = 0
        let limit = min(tokens.count, prompt.count - 1, cache.count)
        while n < limit && tokens[n] == prompt[n] { n += 1 }
        return n
    }

    /// Forgets everything.
    public func clear() {
        cache.reset()
        tokens = []
        drafting = nil
    }
}

extension Engine {
    /// A cache for `generate(prompt:options:conversation:onText:)`, sized to this engine's context.
    public func makeConversationCache() -> ConversationCache { ConversationCache(cache: model.makeCache(capacity: contextSize)) }
}
