import Foundation

/// An optional written as an explicit `null` when it is nil (a synthesized `Encodable` leaves nil optionals out,
/// while OpenAI's and Anthropic's shapes keep such keys, as `"finish_reason": null`).
@propertyWrapper struct Nullable<Value: Encodable & Sendable>: Encodable, Sendable {
    var wrappedValue: Value?
    init(wrappedValue: Value?) { self.wrappedValue = wrappedValue }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        if let wrappedValue { try c.encode(wrappedValue) } else { try c.encodeNil() }
    }
}

/// Response bodies and Server-Sent Events as JSON text (slashes unescaped).
enum JSON {
    static func data(_ value: some Encodable) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return (try? encoder.encode(value)) ?? Data("{}".utf8)
    }

    /// A Server-Sent Events `data:` line.
    static func event(_ value: some Encodable) -> Data { Data("data: ".utf8) + data(value) + Data("\n\n".utf8) }

    /// A Server-Sent Event with its `event:` line (the Anthropic and Responses streams name each event).
    static func event(_ name: String, _ value: some Encodable) -> Data { Data("event: \(name)\n".utf8) + event(value) }
}
