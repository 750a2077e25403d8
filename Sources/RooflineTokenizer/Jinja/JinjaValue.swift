/// A value in the small Jinja interpreter used for chat templates.
public indirect enum JinjaValue: Sendable, Equatable {
    case undefined, none
    case bool(Bool), int(Int), double(Double), string(String)
    case array([JinjaValue])
    case object([String: JinjaValue], keys: [String])

    /// Builds an object keeping the given key order.
    public static func dict(_ pairs: [(String, JinjaValue)]) -> JinjaValue {
        var d: [String: JinjaValue] = [:]
        var keys: [String] = []
        for (k, v) in pairs { if d[k] == nil { keys.append(k) }; d[k] = v }
        return .object(d, keys: keys)
    }

    /// Elements of a list or mapping (0 for other values).
    var count: Int {
        switch self {
        case .array(let a): a.count
        case .object(let o, _): o.count
        default: 0
        }
    }

    var truthy: Bool {
        switch self {
        case .undefined, .none: false
        case .bool(let b): b
        case .int(let i): i != 0
        case .double(let d): d != 0
        case .string(let s): !s.isEmpty
        case .array(let a): !a.isEmpty
        case .object(let o, _): !o.isEmpty
        }
    }

    /// Text as Jinja prints it.
    var rendered: String {
        switch self {
        case .undefined: ""
        case .none: "None"
        case .bool(let b): b ? "True" : "False"
        case .int(let i): String(i)
        case .double(let d): String(d)
        case .string(let s): s
        case .array, .object: json(pretty: false)
        }
    }

    /// JSON text, keys in insertion order, as transformers' `tojson` writes it (`json.dumps(ensure_ascii=False)`): ", " and ": " separators.
    func json(pretty: Bool) -> String { json(indent: nil) }

    /// With `indent`, one item per line indented by that many spaces per level ("," and ": " separators), as
    /// `json.dumps(x, ensure_ascii=False, indent=n)` writes it.
    func json(indent: Int?, level: Int = 0) -> String {
        switch self {
        case .undefined, .none: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .double(let d): return d.isFinite ? String(d) : (d.isNaN ? "NaN" : d > 0 ? "Infinity" : "-Infinity")
        case .string(let s): return Self.jsonString(s)
        case .array(let a):
            guard !a.isEmpty else { return "[]" }
            let items = a.map { $0.json(indent: indent, level: level + 1) }
            return Self.wrap("[", items, "]", indent: indent, level: level)
        case .object(let o, let keys):
            guard !keys.isEmpty else { return "{}" }
            let items = keys.map { Self.jsonString($0) + ": " + (o[$0] ?? .none).json(indent: indent, level: level + 1) }
            return Self.wrap("{", items, "}", indent: indent, level: level)
        }
    }

    private static func wrap(_ open: String, _ items: [String], _ close: String, indent: Int?, level: Int) -> String {
        guard let indent else { return open + items.joined(separator: ", ") + close }
        let pad = String(repeating: " ", count: indent * (level + 1)), end = String(repeating: " ", count: indent * level)
        return open + "\n" + items.map { pad + $0 }.joined(separator: ",\n") + "\n" + end + close
    }

    /// A JSON string literal; non-ASCII characters are written as they are (ensure_ascii=False).
    static func jsonString(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            default:
                if u.value < 0x20 { out += format4(u.value) } else { out.unicodeScalars.append(u) }
            }
        }
        return out + "\""
    }

    private static func format4(_ v: UInt32) -> String {
        let h = String(v, radix: 16)
        return "\\u" + String(repeating: "0", count: max(0, 4 - h.count)) + h
    }
}
