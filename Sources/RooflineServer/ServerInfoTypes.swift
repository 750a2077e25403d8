import Foundation

/// `GET /health`: whether requests are admitted, and the scheduler's slots and load.
struct HealthStatus: Encodable, Sendable {
    let status: String
    let slots: Int
    let active: Int
    let queued: Int
}

/// The served model as `/v1/models` lists it, with Roofline's `meta` (context, parallel slots, vocabulary).
struct ModelObject: Encodable, Sendable {
    struct Meta: Encodable, Sendable {
        let context_length: Int
        let parallel: Int
        let vocab_size: Int
    }
    let id: String
    var object = "model"
    let created: Int
    var owned_by = "roofline"
    let meta: Meta
}

struct ModelList: Encodable, Sendable {
    var object = "list"
    let data: [ModelObject]
}

/// `POST /v1/messages/count_tokens`: the prompt's tokens.
struct TokenCount: Encodable, Sendable {
    let input_tokens: Int
}
