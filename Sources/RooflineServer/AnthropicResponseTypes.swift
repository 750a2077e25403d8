import Foundation
import RooflineGrammar

/// A `/v1/messages` answer: the whole message, or the empty one `message_start` opens a stream with (no
/// content, null stop reason, usage without cached tokens).
struct AnthropicResponse: Encodable, Sendable {
    let id: String
    var type = "message"
    var role = "assistant"
    let model: String
    let content: [AnthropicContentBlock]
    @Nullable var stop_reason: String?
    @Nullable var stop_sequence: String?
    let usage: AnthropicUsage
}

struct AnthropicUsage: Encodable, Sendable {
    let input_tokens: Int
    let output_tokens: Int
    var cache_read_input_tokens: Int?
}

/// One content block: text, or a call with its input as a JSON value.
enum AnthropicContentBlock: Encodable, Sendable {
    case text(String)
    case toolUse(id: String, name: String, input: JSONValue)

    private enum Key: String, CodingKey { case type, text, id, name, input }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        switch self {
        case .text(let text):
            try c.encode("text", forKey: .type)
            try c.encode(text, forKey: .text)
        case .toolUse(let id, let name, let input):
            try c.encode("tool_use", forKey: .type)
            try c.encode(id, forKey: .id)
            try c.encode(name, forKey: .name)
            try c.encode(input, forKey: .input)
        }
    }
}

/// One event of a `/v1/messages` stream; `name` is its `event:` line and its `type`.
enum AnthropicEvent: Encodable, Sendable {
    case messageStart(AnthropicResponse)
    case contentBlockStart(index: Int, AnthropicContentBlock)
    case textDelta(index: Int, String)
    /// A tool_use block's input, as JSON text.
    case inputJSONDelta(index: Int, String)
    case contentBlockStop(index: Int)
    case messageDelta(stopReason: String, stopSequence: String?, outputTokens: Int)
    case messageStop
    case ping
    case error(AnthropicError.Body)

    var name: String {
        switch self {
        case .messageStart: "message_start"
        case .contentBlockStart: "content_block_start"
        case .textDelta, .inputJSONDelta: "content_block_delta"
        case .contentBlockStop: "content_block_stop"
        case .messageDelta: "message_delta"
        case .messageStop: "message_stop"
        case .ping: "ping"
        case .error: "error"
        }
    }

    private enum Key: String, CodingKey { case type, message, index, content_block, delta, usage }

    private struct BlockDelta: Encodable {
        let type: String
        var text: String?
        var partial_json: String?
    }

    private struct StopDelta: Encodable {
        let stop_reason: String
        @Nullable var stop_sequence: String?
    }

    private struct OutputUsage: Encodable { let output_tokens: Int }

    func encode(to encoder: any Encoder) throws {
        if case .error(let body) = self { return try body.encode(to: encoder) }
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(name, forKey: .type)
        switch self {
        case .messageStart(let message):
            try c.encode(message, forKey: .message)
        case .contentBlockStart(let index, let block):
            try c.encode(index, forKey: .index)
            try c.encode(block, forKey: .content_block)
        case .textDelta(let index, let text):
            try c.encode(index, forKey: .index)
            try c.encode(BlockDelta(type: "text_delta", text: text), forKey: .delta)
        case .inputJSONDelta(let index, let json):
            try c.encode(index, forKey: .index)
            try c.encode(BlockDelta(type: "input_json_delta", partial_json: json), forKey: .delta)
        case .contentBlockStop(let index):
            try c.encode(index, forKey: .index)
        case .messageDelta(let stopReason, let stopSequence, let outputTokens):
            try c.encode(StopDelta(stop_reason: stopReason, stop_sequence: stopSequence), forKey: .delta)
            try c.encode(OutputUsage(output_tokens: outputTokens), forKey: .usage)
        case .messageStop, .ping, .error:
            break
        }
    }
}
