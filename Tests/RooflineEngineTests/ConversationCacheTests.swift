import Testing
import RooflineEngine
import RooflineTestSupport
import RooflineTokenizer

/// A conversation's KV kept between turns: each turn prefills only its new tokens, and greedy text equals a
/// fresh prefill of the whole conversation.
@Suite(.serialized) struct ConversationCacheTests {
    @Test func laterTurnsReuseTheConversationAndGiveTheSameText() throws {
        let engine = try #require(DefaultModel.engine)
        let options = GenerationOptions(maxTokens: 12, sampling: .init(temperature: 0))
        let conversation = engine.makeConversationCache()
        var messages = [ChatMessage(role: "user", content: "Name three colours.")]
        for turn in 0..<3 {
            let prompt = try engine.chatPrompt(messages)
            let kept = try engine.generate(prompt: prompt, options: options, conversation: conversation)
            let fresh = try engine.generate(prompt: prompt, options: options)
            #expect(kept.tokens == fresh.tokens, "turn \(turn): \(kept.text.debugDescription) vs \(fresh.text.debugDescription)")
            if turn == 0 {
                #expect(kept.cachedTokens == 0)
            } else {
                // Everything before this turn's assistant reply and new question is reused.
                #expect(kept.cachedTokens > prompt.count / 2, "turn \(turn): \(kept.cachedTokens) of \(prompt.count) reused")
            }
            #expect(fresh.cachedTokens == 0)
            messages.append(ChatMessage(role: "assistant", content: kept.text))
            messages.append(ChatMessage(role: "user", content: "And \(turn + 2) more?"))
        }
    }

    @Test func aDifferentPromptReusesOnlyTheSharedPrefix() throws {
        let engine = try #require(DefaultModel.engine)
        let options = GenerationOptions(maxTokens: 4, sampling: .init(temperature: 0))
        let conversation = engine.makeConversationCache()
        let a = engine.tokenize("The capital of France is")
        let b = engine.tokenize("The capital of Italy is")
        _ = try engine.generate(prompt: a, options: options, conversation: conversation)
        let r = try engine.generate(prompt: b, options: options, conversation: conversation)
        let shared = zip(a, b).prefix { $0 == $1 }.count
        #expect(r.cachedTokens == shared)
        #expect(r.tokens == (try engine.generate(prompt: b, options: options)).tokens)
        conversation.clear()
        #expect(try engine.generate(prompt: b, options: options, conversation: conversation).cachedTokens == 0)
    }
}
