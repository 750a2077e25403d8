import Foundation
import RooflineGrammar

/// Sample schemas (Tests/Fixtures/grammar/schemas.json: prompt and schema pairs, shared with
/// scripts/server/structured_output_check.py) and a validator for the keywords the grammar compiler accepts.
enum SchemaCheck {
    static func samples() throws -> [(String, JSONValue)] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/grammar/schemas.json")
        let all = try JSONDecoder().decode(JSONValue.self, from: Data(contentsOf: url))
        return (all.arrayValue ?? []).compactMap { c in c["prompt"]?.stringValue.flatMap { p in c["schema"].map { (p, $0) } } }
    }

    static func validates(_ v: JSONValue, _ s: JSONValue, root: JSONValue) -> Bool {
        if case .bool(let b) = s { return b }
        if let ref = s["$ref"]?.stringValue {
            let parts = ref.split(separator: "/").map(String.init)
            guard parts.count == 3, let target = root[parts[1]]?[parts[2]] else { return false }
            return validates(v, target, root: root)
        }
        if let c = s["const"], c != v { return false }
        if let e = s["enum"]?.arrayValue, !e.contains(v) { return false }
        if let any = s["anyOf"]?.arrayValue ?? s["oneOf"]?.arrayValue, !any.contains(where: { validates(v, $0, root: root) }) { return false }
        if let all = s["allOf"]?.arrayValue, !all.allSatisfy({ validates(v, $0, root: root) }) { return false }
        let types: [String]
        switch s["type"] {
        case .string(let t)?: types = [t]
        case .array(let a)?: types = a.compactMap(\.stringValue)
        default: types = []
        }
        if !types.isEmpty && !types.contains(where: { Self.is(v, $0) }) { return false }
        switch v {
        case .string(let str):
            let n = str.count
            if let lo = s["minLength"]?.intValue, n < lo { return false }
            if let hi = s["maxLength"]?.intValue, n > hi { return false }
            if let f = s["format"]?.stringValue {
                let patterns = ["date": #"^\d{4}-\d{2}-\d{2}$"#, "time": #"^\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$"#,
                                "date-time": #"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$"#,
                                "uuid": #"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"#]
                guard let p = patterns[f], str.range(of: p, options: .regularExpression) != nil else { return false }
            }
        case .array(let items):
            if let lo = s["minItems"]?.intValue, items.count < lo { return false }
            if let hi = s["maxItems"]?.intValue, items.count > hi { return false }
            if let prefix = s["prefixItems"]?.arrayValue {
                guard items.count == prefix.count, zip(items, prefix).allSatisfy({ validates($0, $1, root: root) }) else { return false }
            } else if let item = s["items"], !items.allSatisfy({ validates($0, item, root: root) }) { return false }
        case .object(let fields):
            let keys = fields.map(\.0)
            if let lo = s["minProperties"]?.intValue, keys.count < lo { return false }
            if let hi = s["maxProperties"]?.intValue, keys.count > hi { return false }
            if Set(keys).count != keys.count { return false }
            for r in (s["required"]?.arrayValue ?? []).compactMap(\.stringValue) where !keys.contains(r) { return false }
            if case .object(let props)? = s["properties"] {
                for (k, fv) in fields {
                    if let ps = props.first(where: { $0.0 == k })?.1 {
                        if !validates(fv, ps, root: root) { return false }
                    } else if case .bool(false)? = s["additionalProperties"] { return false }
                }
            } else if let extra = s["additionalProperties"], case .object = extra {
                if !fields.allSatisfy({ validates($0.1, extra, root: root) }) { return false }
            }
        case .number(let d):
            func bound(_ k: String) -> Double? { if case .number(let b)? = s[k] { return b } else { return nil } }
            if let b = bound("minimum"), d < b || (s["exclusiveMinimum"] == .bool(true) && d == b) { return false }
            if let b = bound("maximum"), d > b || (s["exclusiveMaximum"] == .bool(true) && d == b) { return false }
            if let b = bound("exclusiveMinimum"), d <= b { return false }
            if let b = bound("exclusiveMaximum"), d >= b { return false }
        default: break
        }
        return true
    }

    static func `is`(_ v: JSONValue, _ t: String) -> Bool {
        switch (v, t) {
        case (.null, "null"), (.bool, "boolean"), (.string, "string"), (.array, "array"), (.object, "object"), (.number, "number"): return true
        case (.number(let d), "integer"): return d.rounded() == d
        default: return false
        }
    }
}
