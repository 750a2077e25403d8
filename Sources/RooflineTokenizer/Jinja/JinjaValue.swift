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

    /// JSON text (`tojson`), keys in insertion order.
    func json(pretty: Bool, indent: Int = 0) -> String {
        switch self {
        case .undefined, .none: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .double(let d): return String(d)
        case .string(let s): return Self.jsonString(s)
        case .array(let a):
            return "[" + a.map { $0.json(pretty: pretty) }.joined(separator: ", ") + "]"
        case .object(let o, let keys):
            return "{" + keys.map { Self.jsonString($0) + ": " + (o[$0] ?? .none).json(pretty: pretty) }.joined(separator: ", ") + "}"
        }
    }

    static func jsonString(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 || u.value > 0x7E {
                    if u.value > 0xFFFF {
                        let v = u.value - 0x10000
                        out += String(format4(0xD800 + (v >> 10))) + String(format4(0xDC00 + (v & 0x3FF)))
                    } else {
                        out += format4(u.value)
                    }
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out + "\""
    }

    private static func format4(_ v: UInt32) -> String {
        let h = String(v, radix: 16)
        return "\\u" + String(repeating: "0", count: max(0, 4 - h.count)) + h
    }
}
