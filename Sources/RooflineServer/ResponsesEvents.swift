import Foundation

/// One event of a Responses API stream. The message item is always output 0, its text content part 0.
enum ResponsesEvent: Sendable {
    case created(ResponseObject)
    case inProgress(ResponseObject)
    case completed(ResponseObject)
    case incomplete(ResponseObject)
    case outputItemAdded(index: Int, OutputItem)
    case outputItemDone(index: Int, OutputItem)
    case contentPartAdded(item: String, OutputText)
    case contentPartDone(item: String, OutputText)
    case outputTextDelta(item: String, String)
    case outputTextDone(item: String, String)
    case argumentsDelta(item: String, index: Int, String)
    case argumentsDone(item: String, index: Int, String)
    case error(code: String?, message: String, param: String?)

    /// Its `type`, which is also its `event:` line.
    var type: String {
        switch self {
        case .created: "response.created"
        case .inProgress: "response.in_progress"
        case .completed: "response.completed"
        case .incomplete: "response.incomplete"
        case .outputItemAdded: "response.output_item.added"
        case .outputItemDone: "response.output_item.done"
        case .contentPartAdded: "response.content_part.added"
        case .contentPartDone: "response.content_part.done"
        case .outputTextDelta: "response.output_text.delta"
        case .outputTextDone: "response.output_text.done"
        case .argumentsDelta: "response.function_call_arguments.delta"
        case .argumentsDone: "response.function_call_arguments.done"
        case .error: "error"
        }
    }
}

/// An event as sent: its fields, `type` and its place in the stream (`sequence_number`).
struct SequencedResponsesEvent: Encodable, Sendable {
    let event: ResponsesEvent
    let sequence: Int

    private enum Key: String, CodingKey {
        case type, sequence_number, response, output_index, item, item_id, content_index, part, delta, text, arguments
        case code, message, param
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(event.type, forKey: .type)
        try c.encode(sequence, forKey: .sequence_number)
        // the message's text part: item, output 0, content 0
        func at(_ item: String) throws {
            try c.encode(item, forKey: .item_id)
            try c.encode(0, forKey: .output_index)
            try c.encode(0, forKey: .content_index)
        }
        switch event {
        case .created(let r), .inProgress(let r), .completed(let r), .incomplete(let r):
            try c.encode(r, forKey: .response)
        case .outputItemAdded(let index, let item), .outputItemDone(let index, let item):
            try c.encode(index, forKey: .output_index)
            try c.encode(item, forKey: .item)
        case .contentPartAdded(let item, let part), .contentPartDone(let item, let part):
            try at(item)
            try c.encode(part, forKey: .part)
        case .outputTextDelta(let item, let delta):
            try at(item)
            try c.encode(delta, forKey: .delta)
        case .outputTextDone(let item, let text):
            try at(item)
            try c.encode(text, forKey: .text)
        case .argumentsDelta(let item, let index, let delta):
            try c.encode(item, forKey: .item_id)
            try c.encode(index, forKey: .output_index)
            try c.encode(delta, forKey: .delta)
        case .argumentsDone(let item, let index, let arguments):
            try c.encode(item, forKey: .item_id)
            try c.encode(index, forKey: .output_index)
            try c.encode(arguments, forKey: .arguments)
        case .error(let code, let message, let param):
            try c.encode(code, forKey: .code)  // null when nil, as is param
            try c.encode(message, forKey: .message)
            try c.encode(param, forKey: .param)
        }
    }
}
