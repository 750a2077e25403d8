import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// An error in Anthropic's shape, `{"type": "error", "error": {"type", "message"}}`, for the `/v1/messages`
/// routes: the same statuses as the OpenAI routes, with Anthropic's error type names.
struct AnthropicError: HTTPResponseError, Sendable {
    let status: HTTPResponse.Status
    let message: String

    init(_ e: OpenAIError) {
        status = e.status
        message = e.param.map { "\($0): \(e.message)" } ?? e.message
    }

    var type: String {
        switch status.code {
        case 401: "authentication_error"
        case 403: "permission_error"
        case 404: "not_found_error"
        case 413: "request_too_large"
        case 429: "rate_limit_error"
        case 503: "overloaded_error"
        case 500...: "api_error"
        default: "invalid_request_error"
        }
    }

    struct Body: Encodable, Sendable {
        struct Detail: Encodable, Sendable {
            let type: String
            let message: String
        }
        var type = "error"
        let error: Detail
    }

    var body: Body { Body(error: Body.Detail(type: type, message: message)) }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        if status == .tooManyRequests || status == .serviceUnavailable { headers[.retryAfter] = "1" }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: JSON.data(body))))
    }
}

/// Gives errors on the Anthropic routes Anthropic's shape (the OpenAI error middleware, inside it, has already
/// turned every error into an `OpenAIError`).
struct AnthropicErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let e as OpenAIError where request.uri.path.hasPrefix("/v1/messages") {
            throw AnthropicError(e)
        }
    }
}
