import RooflineGrammar
import Foundation
import RooflineSampling
import RooflineTokenizer

/// Why a request body was refused: always the client's error (HTTP 400), in OpenAI's terms (`param` names the
/// field, `code` the kind of problem). The server turns it into its JSON error response.
public struct RequestError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    public let param: String?
    public let code: String?

    public init(_ message: String, param: String? = nil, code: String? = nil) {
        self.message = message
        self.param = param
        self.code = code
    }

    static func badParameter(_ param: String, _ message: String) -> RequestError {
        RequestError(message, param: param, code: "invalid_value")
    }

    public var description: String { param.map { "\($0): \(message)" } ?? message }
}

/// The generation settings a request asks for, range-checked.
public struct RequestOptions: Sendable {
    public let maxTokens: Int
    public let sampling: SamplingParameters
    public let stop: [String]
    public let ignoreEOS: Bool
    /// Completions wanted (`n`).
    public let n: Int
    /// Alternatives per token when log-probabilities are wanted (nil: not wanted).
    public let logprobs: Int?
    /// The grammar the output must follow (`response_format`, `grammar` or `json_schema`), compiled.
    public var grammar: Grammar? = nil
    /// False when the request opts out of the server's speculative decoding.
    public var speculative = true
}

/// Reads an OpenAI request body: checked as strict RFC 8259 first (StrictJSON), then decoded into `T`, every
/// failure a `RequestError` naming the field it is about.
public enum RequestDecoder {
    public static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws(RequestError) -> T {
        do {
            try StrictJSON.validate(bytes)
        } catch {
            throw RequestError(error.message, param: error.path, code: error.path == nil ? "invalid_json" : "invalid_value")
        }
        do {
            return try JSONDecoder().decode(T.self, from: Data(bytes))
        } catch {
            throw RequestError(decoding: error)
        }
    }
}

/// A request that carries one conversation and its generation settings (Anthropic's Messages, OpenAI's
/// Responses): the server renders it with the chat template and runs it as one sequence.
public protocol ConversationRequest {
    var model: String? { get }
    func chatMessages() throws(RequestError) -> [ChatMessage]
    func options() throws(RequestError) -> RequestOptions
    /// The tools the request offers, checked (nil: none).
    func toolRequest() throws(RequestError) -> ToolRequest?
}

extension ConversationRequest {
    public func toolRequest() throws(RequestError) -> ToolRequest? { nil }
}
