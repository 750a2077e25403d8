import Foundation
import RooflineGrammar

/// What a Responses API response object repeats from its request.
struct ResponsesEcho: Sendable {
    let instructions: String?
    let maxOutputTokens: Int?
    let temperature: Float
    let topP: Float
    let tools: JSONValue
    let toolChoice: JSONValue
    /// `text.format` as given (`{"type": "text"}` when the request named none).
    let format: JSONValue
    let parallelToolCalls: Bool
}

/// The Responses API's response object: running (no output, null usage), completed, or incomplete.
struct ResponseObject: Encodable, Sendable {
    let id: String
    let createdAt: Int
    let model: String
    let status: String
    let output: [OutputItem]
    /// "max_output_tokens" when the reply ran out of tokens.
    let incompleteReason: String?
    let echo: ResponsesEcho
    let usage: ResponsesUsage?

    private enum Key: String, CodingKey {
        case id, object, created_at, model, status, output, error, incomplete_details, instructions, max_output_tokens, temperature, top_p
        case previous_response_id, metadata, tools, tool_choice, parallel_tool_calls, store, text, usage
    }

    private struct Reason: Encodable { let reason: String }
    private struct TextOptions: Encodable { let format: JSONValue }

    /// Every key is written; optionals given to `encode` (rather than `encodeIfPresent`) are written as null.
    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(id, forKey: .id)
        try c.encode("response", forKey: .object)
        try c.encode(createdAt, forKey: .created_at)
        try c.encode(model, forKey: .model)
        try c.encode(status, forKey: .status)
        try c.encode(output, forKey: .output)
        try c.encodeNil(forKey: .error)
        try c.encode(incompleteReason.map(Reason.init), forKey: .incomplete_details)
        try c.encode(echo.instructions, forKey: .instructions)
        try c.encode(echo.maxOutputTokens, forKey: .max_output_tokens)
        try c.encode(echo.temperature, forKey: .temperature)
        try c.encode(echo.topP, forKey: .top_p)
        try c.encodeNil(forKey: .previous_response_id)
        try c.encode([String: String](), forKey: .metadata)
        try c.encode(echo.tools, forKey: .tools)
        try c.encode(echo.toolChoice, forKey: .tool_choice)
        try c.encode(echo.parallelToolCalls, forKey: .parallel_tool_calls)
        try c.encode(false, forKey: .store)
        try c.encode(TextOptions(format: echo.format), forKey: .text)
        try c.encode(usage, forKey: .usage)
    }
}

struct ResponsesUsage: Encodable, Sendable {
    struct InputDetails: Encodable, Sendable { let cached_tokens: Int }
    struct OutputDetails: Encodable, Sendable { var reasoning_tokens = 0 }
    let input_tokens: Int
    let output_tokens: Int
    let total_tokens: Int
    let input_tokens_details: InputDetails
    let output_tokens_details = OutputDetails()

    init(input: Int, output: Int, cached: Int) {
        input_tokens = input
        output_tokens = output
        total_tokens = input + output
        input_tokens_details = InputDetails(cached_tokens: cached)
    }
}

/// One item of a response's output: the assistant message, or a function call.
enum OutputItem: Encodable, Sendable {
    case message(MessageItem)
    case functionCall(FunctionCallItem)

    func encode(to encoder: any Encoder) throws {
        switch self {
        case .message(let m): try m.encode(to: encoder)
        case .functionCall(let f): try f.encode(to: encoder)
        }
    }
}

/// The assistant message item: one `output_text` part (none while it opens).
struct MessageItem: Encodable, Sendable {
    var type = "message"
    let id: String
    let status: String
    var role = "assistant"
    let content: [OutputText]
}

struct OutputText: Encodable, Sendable {
    var type = "output_text"
    let text: String
    var annotations: [JSONValue] = []
}

/// A call as a `function_call` item: `call_id` is what the client answers it under, `arguments` JSON text.
struct FunctionCallItem: Encodable, Sendable {
    var type = "function_call"
    let id: String
    let call_id: String
    let name: String
    var arguments: String
    var status = "completed"
}
