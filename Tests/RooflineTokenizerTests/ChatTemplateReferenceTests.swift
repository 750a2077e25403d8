import Foundation
import Testing
import RooflineTokenizer
import RooflineTestSupport

/// Real models' chat templates (llama.cpp's test set: Llama 3.x, Qwen 2.5/3 with tools, Gemma 2, Phi-3.5,
/// Mistral Nemo, SmolLM3, DeepSeek R1, gpt-oss's harmony format) rendered by Roofline's Jinja interpreter exactly as Python's jinja2
/// renders them when set up the way transformers' apply_chat_template sets it up
/// (scripts/reference/make_chat_template_reference.py wrote the expected text).
@Suite struct ChatTemplateReferenceTests {
    struct Case {
        let template: String
        let name: String
        let context: [String: JinjaValue]
        let rendered: String?
        let error: String?
    }

    /// JSON from the fixture, objects spelled {"__pairs__": [[key, value], ...]} to keep their key order.
    static func value(_ v: Any) -> JinjaValue {
        switch v {
        case let d as [String: Any]:
            let pairs = (d["__pairs__"] as? [[Any]]) ?? []
            return .dict(pairs.compactMap { p in (p.first as? String).map { ($0, value(p[1])) } })
        case let a as [Any]: return .array(a.map(value))
        case let s as String: return .string(s)
        case is NSNull: return .none
        case let n as NSNumber:
            let kind = String(cString: n.objCType)
            if kind == "c" || kind == "B" { return .bool(n.boolValue) }
            if kind == "d" || kind == "f" { return .double(n.doubleValue) }
            return .int(n.intValue)
        default: return .undefined
        }
    }

    static func cases() throws -> [Case] {
        let raw = try #require(try Fixtures.json("chat_templates/expected.json") as? [[String: Any]])
        return raw.map { o in
            var ctx: [String: JinjaValue] = [:]
            if case .object(let d, _) = value(o["context"] ?? [:]) { ctx = d }
            return Case(template: o["template"] as? String ?? "", name: o["case"] as? String ?? "", context: ctx,
                        rendered: o["rendered"] as? String, error: o["error"] as? String)
        }
    }

    /// The instant the script's strftime_now formats: 2024-07-26 12:00 UTC (the same date in any time zone
    /// within ±11 hours).
    static let now: Double = 1_721_995_200

    @Test func rendersLikeJinja2() throws {
        let cases = try Self.cases()
        #expect(cases.count >= 50)
        var sources: [String: JinjaTemplate] = [:]
        var failures: [String] = []
        for c in cases {
            let t: JinjaTemplate
            if let cached = sources[c.template] {
                t = cached
            } else {
                do {
                    t = try JinjaTemplate(try ReferenceVocabularies.template(c.template))
                } catch {
                    failures.append("\(c.template): does not compile: \(error)")
                    continue
                }
                sources[c.template] = t
            }
            do {
                let got = try t.render(c.context, now: Self.now)
                if let want = c.rendered {
                    if got != want { failures.append("\(c.template) [\(c.name)]:\n--- got\n\(got)\n--- want\n\(want)") }
                } else {
                    failures.append("\(c.template) [\(c.name)]: rendered, but jinja2 raised '\(c.error ?? "")'")
                }
            } catch {
                if let want = c.error {
                    if !"\(error)".contains(want) { failures.append("\(c.template) [\(c.name)]: raised '\(error)', jinja2 raised '\(want)'") }
                } else {
                    failures.append("\(c.template) [\(c.name)]: raised \(error)")
                }
            }
        }
        #expect(failures.isEmpty, "\(failures.count) of \(cases.count) differ:\n\(failures.joined(separator: "\n\n"))")
    }
}
