import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import RooflineAPI
import RooflineTokenizer

/// An error in OpenAI's shape: `{"error": {"message", "type", "param", "code"}}` with its HTTP status.
struct OpenAIError: HTTPResponseError, Sendable {
    let status: HTTPResponse.Status
    let message: String
    let type: String
    let param: String?
    let code: String?

    init(_ status: HTTPResponse.Status, _ message: String, type: String = "invalid_request_error", param: String? = nil, code: String? = nil) {
        self.status = status
        self.message = message
        self.type = type
        self.param = param
        self.code = code
    }

    /// A request body or field the client got wrong (400).
    init(_ e: RequestError) {
        self.init(.badRequest, e.message, param: e.param, code: e.code)
    }

    static func badParameter(_ param: String, _ message: String) -> OpenAIError {
        OpenAIError(.badRequest, message, param: param, code: "invalid_value")
    }

    /// The body; `param` and `code` are written as null when there are none, as OpenAI does.
    struct Body: Encodable, Sendable {
        struct Detail: Encodable, Sendable {
            let message: String
            let type: String
            @Nullable var param: String?
            @Nullable var code: String?
        }
        let error: Detail
    }

    var body: Body { Body(error: .init(message: message, type: type, param: param, code: code)) }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        if status == .unauthorized { headers[.wwwAuthenticate] = "Bearer" }
        if status == .tooManyRequests || status == .serviceUnavailable { headers[.retryAfter] = "1" }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: JSON.data(body))))
    }
}

/// Turns any error a handler throws (Hummingbird's own 404/405/413 included) into OpenAI's error shape, so
/// clients always get JSON they can parse.
struct OpenAIErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            let response = try await next(request, context)
            return response
        } catch let e as OpenAIError {
            throw e
        } catch let e as HTTPError {
            let (type, code): (String, String?) = switch e.status {
            case .notFound: ("invalid_request_error", "not_found")
            case .methodNotAllowed: ("invalid_request_error", "method_not_allowed")
            case .contentTooLarge: ("invalid_request_error", "request_too_large")
            case .unauthorized: ("invalid_request_error", "invalid_api_key")
            default: (e.status.code >= 500 ? "server_error" : "invalid_request_error", nil)
            }
            let message = e.body ?? (e.status == .notFound ? "no route for \(request.method) \(request.uri.path)" : e.status.reasonPhrase)
            throw OpenAIError(e.status, message, type: type, code: code)
        } catch let e as any HTTPResponseError {
            throw OpenAIError(e.status, "\(e)", type: e.status.code >= 500 ? "server_error" : "invalid_request_error")
        } catch let e where String(reflecting: type(of: e)).contains("HTTPParserError") {
            // NIO's HTTP/1 parser: a malformed chunk size, header or body framing is the client's error.
            throw OpenAIError(.badRequest, "malformed HTTP request: \(e)", code: "invalid_request")
        } catch let e where e is CancellationError || (e as? TokenizerError) == .cancelled {
            // The client went away while its prompt was being prepared: nobody reads this answer.
            throw OpenAIError(.init(code: 499, reasonPhrase: "Client Closed Request"), "the request was cancelled", code: "cancelled")
        } catch {
            context.logger.error("request failed: \(error)")
            throw OpenAIError(.internalServerError, "internal error: \(error)", type: "server_error")
        }
    }
}

/// With an API key set, every route but /health wants `Authorization: Bearer KEY` or `x-api-key: KEY`.
struct APIKeyMiddleware<Context: RequestContext>: RouterMiddleware {
    let key: String
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if request.uri.path == "/health" { return try await next(request, context) }
        // Anthropic's clients send `x-api-key: KEY`; OpenAI's `Authorization: Bearer KEY`. Either is accepted.
        let given: String
        if let k = request.headers[HTTPField.Name("x-api-key")!] {
            given = k.trimmingCharacters(in: .whitespaces)
        } else if let auth = request.headers[.authorization] {
            given = auth.hasPrefix("Bearer ") ? String(auth.dropFirst(7)).trimmingCharacters(in: .whitespaces) : ""
        } else {
            throw OpenAIError(.unauthorized, "missing API key: send the header 'Authorization: Bearer YOUR_KEY' (or 'x-api-key: YOUR_KEY')",
                              code: "invalid_api_key")
        }
        guard constantTimeEqual(given, key) else {
            throw OpenAIError(.unauthorized, "incorrect API key provided", code: "invalid_api_key")
        }
        return try await next(request, context)
    }

    private func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        var diff = UInt8(x.count == y.count ? 0 : 1)
        for i in 0..<max(x.count, y.count) { diff |= (i < x.count ? x[i] : 0) ^ (i < y.count ? y[i] : 0) }
        return diff == 0
    }
}
