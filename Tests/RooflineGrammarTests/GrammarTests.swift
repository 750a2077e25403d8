import Foundation
import Testing
import RooflineAPI
import RooflineEngine
import RooflineGrammar
import RooflineSampling
import RooflineTokenizer
import RooflineTestSupport

/// The default model, loaded once (as the engine tests load it).
enum GrammarModel {
    static let engine: Engine? = (try? ModelStore.resolve(nil)).flatMap { try? Engine(path: $0, threads: 2, contextSize: 512) }
}

/// GBNF parsing and matching, token masks, and constrained generation with the default model.
@Suite struct GrammarTests {
    func accepts(_ g: Grammar, _ text: String) -> Bool {
        let m = GrammarMatcher(g)
        var c = GrammarCursor(state: m.start)
        for b in text.utf8 where !c.feed(b, m) { return false }
        return c.isAccepting(m)
    }

    func prefixOK(_ g: Grammar, _ text: String) -> Bool {
        let m = GrammarMatcher(g)
        var c = GrammarCursor(state: m.start)
        for b in text.utf8 where !c.feed(b, m) { return false }
        return true
    }

    @Test func literalsClassesRepetitionsAndGroups() throws {
        let g = try Grammar(gbnf: #"""
            root ::= greeting ( " " name )? "!"{1,3}   # a comment
            greeting ::= "hello" | "hi"
            name ::= [A-Z] [a-z]* | "\u00e9t\u00e9"
            """#)
        for ok in ["hello!", "hi Bob!!", "hello Z!!!", "hi été!"] { #expect(accepts(g, ok), "\(ok)") }
        for bad in ["hello", "hi bob!", "hello!!!!", "hey!", "hi Bob! "] { #expect(!accepts(g, bad), "\(bad)") }
        #expect(prefixOK(g, "hi B"))
        #expect(prefixOK(g, "hi \u{e9}"))
        #expect(!prefixOK(g, "hi x"))
    }

    @Test func anyCharacterNegatedClassesAndEscapes() throws {
        let g = try Grammar(gbnf: #"root ::= "\"" [^"\\]* "\"" . "\x41" [\]\-]"#)
        #expect(accepts(g, "\"abc\"?A]"))
        #expect(accepts(g, "\"\"\u{1F600}A-"))
        #expect(!accepts(g, "\"abc\"?B]"))
        #expect(!accepts(g, "\"a\\b\"?A]"))
    }

    /// A token that ends inside a multi-byte character is allowed only when some character it could become
    /// is: 0xE0 starts U+0800...U+0FFF, never 'a' or 'é'; 0xC3 can become 'é', 0xE0 0xA4 0x85 is U+0905.
    @Test func partialCharactersAreCheckedByWhatTheyCanBecome() throws {
        let m = GrammarMatcher(try Grammar(gbnf: #"root ::= "a" | "\u00e9" | [\u0900-\u097F]"#))
        func run(_ bytes: [UInt8]) -> (fed: Int, accepting: Bool) {
            var c = GrammarCursor(state: m.start)
            var n = 0
            for b in bytes { guard c.feed(b, m) else { break }; n += 1 }
            return (n, c.isAccepting(m))
        }
        let latin = GrammarMatcher(try Grammar(gbnf: #"root ::= "a" | "\u00e9""#))
        var c = GrammarCursor(state: latin.start)
        let fed = c.feed(0xE0, latin)
        #expect(!fed)  // U+0800...U+0FFF: neither 'a' nor 'é'
        #expect(run([0xC3, 0xA9]) == (2, true))
        #expect(run([0xE0, 0xA4, 0x85]) == (3, true))  // U+0905
        #expect(run([0xE0, 0x81]).fed == 1)           // an overlong form
    }

    @Test func badGrammarsAreClearErrors() {
        let cases: [(String, String)] = [
            ("root ::= expr\nexpr ::= expr \"+\" \"1\" | \"1\"", "left-recursive"),
            ("root ::= missing", "never defined"),
            ("root ::= \"abc", "unterminated"),
            ("root ::= [a-", "unterminated"),
            ("top ::= \"x\"", "no 'root'"),
            ("root ::= \"x\"{3,1}", "max below min"),
            ("root ::= \"x\"\nroot ::= \"y\"", "defined twice"),
            ("root ::= ( \"x\"", "expected ')'"),
        ]
        for (text, want) in cases {
            #expect(throws: GrammarError.self, "\(text)") { try Grammar(gbnf: text) }
            do { _ = try Grammar(gbnf: text) } catch { #expect("\(error)".contains(want), "\(text): \(error)") }
        }
    }

    /// The mask from one pass over the sorted vocabulary equals checking every token on its own.
    @Test func maskEqualsTokenByTokenChecks() throws {
        let engine = try #require(GrammarModel.engine, "the default model is needed")
        let vocab = engine.grammarVocabulary
        let g = try JSONSchemaGrammar.grammar(schema: .object([("type", .string("object")), ("properties", .object([
            ("name", .object([("type", .string("string"))])), ("age", .object([("type", .string("integer"))]))])),
            ("required", .array([.string("name"), .string("age")]))]))
        let c = TokenConstraint(grammar: g, vocabulary: vocab)
        for prefix in ["", "{", "{ \"name\": \"Al", "{\"name\": \"Al\", \"age\": 4", "{\"name\": \"Zü日本 🙂"] {
            let t = TokenConstraint(grammar: g, vocabulary: vocab)
            for tok in engine.tokenizer.encode(prefix, addSpecial: false) { #expect(t.allows(tok)); t.accept(tok) }
            let m = t.mask()
            var disagreements = 0, allowed = 0
            for id in 0..<vocab.pieces.count {
                let bit = m[id >> 6] & (1 << UInt64(id & 63)) != 0
                if bit { allowed += 1 }
                if bit != t.allows(Int32(id)) { disagreements += 1 }
            }
            #expect(disagreements == 0, "after '\(prefix)'")
            #expect(allowed > 0)
        }
        _ = c
    }

    func generate(_ engine: Engine, _ prompt: String, grammar: Grammar, temperature: Float, seed: UInt64, maxTokens: Int = 120) throws -> GenerationResult {
        var o = GenerationOptions(maxTokens: maxTokens, sampling: SamplingParameters(temperature: temperature, topK: 40, topP: 0.95, minP: 0.05, seed: seed))
        o.grammar = grammar
        let text = try engine.chatTemplate.render([ChatMessage(role: "user", content: prompt)])
        return try engine.generate(prompt: engine.tokenizer.encode(text), options: o)
    }

    @Test func aGrammarOfOneStringGeneratesExactlyThatString() throws {
        let engine = try #require(GrammarModel.engine, "the default model is needed")
        let g = try Grammar(gbnf: #"root ::= "The answer is 42, see \"docs\"." "#)
        for (t, seed) in [(Float(0), UInt64(1)), (0.8, 2), (1.5, 3)] {
            let r = try generate(engine, "Tell me a story about dragons.", grammar: g, temperature: t, seed: seed)
            #expect(r.text == "The answer is 42, see \"docs\".", "temperature \(t)")
            #expect(r.finishReason == .stop)
        }
    }

    /// Outputs under assorted schemas parse as JSON and validate (checked by `SchemaCheck` here and by the
    /// `jsonschema` package in scripts/server/structured_output_check.py).
    @Test func schemaOutputsValidate() throws {
        let engine = try #require(GrammarModel.engine, "the default model is needed")
        let schemas = try SchemaCheck.samples()
        var checked = 0
        for (i, (prompt, schema)) in schemas.enumerated() {
            let g = try JSONSchemaGrammar.grammar(schema: schema)
            for (t, seed) in [(Float(0), UInt64(i)), (1.0, UInt64(100 + i))] {
                let r = try generate(engine, prompt, grammar: g, temperature: t, seed: seed, maxTokens: 200)
                guard r.finishReason == .stop else { continue }  // a long output cut at the token limit is not whole
                let value = try JSONDecoder().decode(JSONValue.self, from: Data(r.text.utf8))
                #expect(SchemaCheck.validates(value, schema, root: schema), "schema \(i) at \(t): \(r.text)")
                checked += 1
            }
        }
        #expect(checked >= schemas.count, "most outputs should complete within 200 tokens (\(checked) of \(2 * schemas.count))")
    }

    /// Integer bounds compile to digit alternatives that accept exactly the integers in range: every integer near
    /// each bound and a spread of others is checked against the bounds, for random ranges, signs and exclusivity.
    @Test func integerBoundsAcceptExactlyTheRange() throws {
        var rng = SystemRandomNumberGenerator()
        var cases: [[(String, JSONValue)]] = [
            [("minimum", .number(0)), ("maximum", .number(100))], [("minimum", .number(-5))], [("maximum", .number(-1))],
            [("exclusiveMinimum", .number(9)), ("exclusiveMaximum", .number(1000))], [("minimum", .number(1.5)), ("maximum", .number(99.5))],
            [("minimum", .number(-1234)), ("maximum", .number(567))], [("minimum", .number(3)), ("exclusiveMinimum", .bool(true))],
            [("minimum", .number(7)), ("maximum", .number(7))], [("minimum", .number(0))],
        ]
        for _ in 0..<25 {
            let a = Int64.random(in: -100_000...100_000, using: &rng), b = Int64.random(in: -100_000...100_000, using: &rng)
            cases.append([("minimum", .number(Double(min(a, b)))), ("maximum", .number(Double(max(a, b))))])
        }
        for bounds in cases {
            let schema = JSONValue.object([("type", .string("integer"))] + bounds)
            let g = try JSONSchemaGrammar.grammar(schema: schema)
            var probes: Set<Int64> = [0, 1, -1, 9, 10, 99, 100, 101, 999, 1000, -9, -10, -100, 123_456, -123_456, 9_999_999_999_999_999]
            for (_, v) in bounds { if case .number(let d) = v { for k in -12...12 { probes.insert(Int64(d.rounded(.down)) + Int64(k)) } } }
            for _ in 0..<200 { probes.insert(Int64.random(in: -200_000...200_000, using: &rng)) }
            for x in probes {
                let inRange = SchemaCheck.validates(.number(Double(x)), schema, root: schema)
                #expect(accepts(g, String(x)) == inRange, "\(bounds): \(x)")
            }
            #expect(!accepts(g, "01") && !accepts(g, "-0") && !accepts(g, "+1"))  // numerals as JSON writes them
        }
        do { _ = try JSONSchemaGrammar.grammar(schema: .object([("type", .string("integer")), ("minimum", .number(5)), ("maximum", .number(4))])); Issue.record("an empty range accepted") } catch {}
    }

    @Test func unsupportedSchemaKeywordsAreRefusedByName() {
        for (k, v) in [("pattern", JSONValue.string("^a")), ("minimum", .number(3)), ("format", .string("email"))] {
            let s = JSONValue.object([("type", .string(k == "minimum" ? "number" : "string")), (k, v)])
            do { _ = try JSONSchemaGrammar.grammar(schema: s); Issue.record("\(k) accepted") } catch { #expect("\(error)".contains(k == "format" ? "email" : k)) }
        }
    }

    @Test func requestFieldsCompileOrNameTheField() throws {
        func fields(_ json: String) throws -> SamplingFields { try RequestDecoder.decode(CompletionRequest.self, from: Array(json.utf8)).fields }
        #expect(try fields(#"{"prompt": "x", "response_format": {"type": "json_object"}}"#).options(maxParallel: 1).grammar != nil)
        #expect(try fields(#"{"prompt": "x", "grammar": "root ::= \"a\""}"#).options(maxParallel: 1).grammar != nil)
        #expect(try fields(#"{"prompt": "x", "response_format": {"type": "text"}}"#).options(maxParallel: 1).grammar == nil)
        for (body, param) in [(#"{"prompt": "x", "grammar": "root ::= nope"}"#, "grammar"),
                              (#"{"prompt": "x", "response_format": {"type": "yaml"}}"#, "response_format.type"),
                              (#"{"prompt": "x", "response_format": {"type": "json_schema"}}"#, "response_format.json_schema.schema"),
                              (#"{"prompt": "x", "response_format": {"type": "json_schema", "json_schema": {"name": "a", "schema": {"type": "string", "pattern": "x"}}}}"#, "response_format"),
                              (#"{"prompt": "x", "grammar": "root ::= \"a\"", "json_schema": {}}"#, "json_schema")] {
            do {
                _ = try fields(body).options(maxParallel: 1)
                Issue.record("accepted: \(body)")
            } catch let e as RequestError {
                #expect(e.param == param, "\(body): \(e)")
            }
        }
    }
}

/// Tool calls read back from each family's syntax, and the grammar that forces a well-formed call.
@Suite struct ToolCallFormatTests {
    let weather = JSONValue.object([("type", .string("object")), ("properties", .object([
        ("city", .object([("type", .string("string"))])), ("unit", .object([("enum", .array([.string("c"), .string("f")]))]))])),
        ("required", .array([.string("city"), .string("unit")]))])

    @Test func formatsAreToldFromTemplates() {
        #expect(ToolCallFormat.detect(templateSource: "{% if tools %}<tool_call>{% endif %}") == .hermes)
        #expect(ToolCallFormat.detect(templateSource: "{% for t in tools %}[TOOL_CALLS]{% endfor %}") == .mistral)
        #expect(ToolCallFormat.detect(templateSource: "{% if tools %}<|python_tag|>{% endif %}") == .llama3)
        #expect(ToolCallFormat.detect(templateSource: "{{ messages }}") == nil)
        #expect(ToolCallFormat.detect(templateSource: "{% if tools %}<|start|>assistant<|channel|>commentary<|message|>{% endif %}") == .harmony)
    }

    /// gpt-oss's real template (llama.cpp's test set) is told as harmony.
    @Test func gptOssTemplateIsHarmony() throws {
        let source = try ReferenceVocabularies.template("openai-gpt-oss-120b.jinja")
        #expect(ToolCallFormat.detect(templateSource: source) == .harmony)
    }

    @Test func harmonyChannelsAndCalls() {
        // analysis, then the final answer (<|end|> and <|return|> are control tokens: not in the text)
        let reply = "<|channel|>analysis<|message|>User greets.<|start|>assistant<|channel|>final<|message|>Hi! How can I help?"
        var r = Harmony.read(reply)
        #expect(r.content == "Hi! How can I help?" && r.reasoning == "User greets." && r.calls.isEmpty)
        // a call with the recipient in the channel header, after reasoning
        let call = "<|channel|>analysis<|message|>Need weather.<|start|>assistant<|channel|>commentary to=functions.get_weather <|constrain|>json<|message|>{\"city\": \"Paris\"}"
        r = Harmony.read(call)
        #expect(r.calls == [.init(name: "get_weather", arguments: .object([("city", .string("Paris"))]))])
        #expect(r.content.isEmpty && r.reasoning == "Need weather.")
        #expect(ToolCallFormat.harmony.parse(call).calls.map(\.name) == ["get_weather"])
        // the recipient after the role, closers carried in the text, a preamble on the commentary channel
        let roleForm = "<|channel|>commentary<|message|>Checking.<|end|><|start|>assistant to=functions.lookup<|channel|>commentary json<|message|>{\"q\": 1}<|call|>"
        r = Harmony.read(roleForm)
        #expect(r.calls.map(\.name) == ["lookup"] && r.content == "Checking.")
        // the first message may open with the recipient (the prompt ended with `<|start|>assistant`)
        #expect(Harmony.read(" to=functions.f<|channel|>commentary json<|message|>{}").calls.map(\.name) == ["f"])
        // a body that is not a JSON object is content, not a call; text without the format is content
        r = Harmony.read("<|channel|>commentary to=functions.f <|constrain|>json<|message|>not json")
        #expect(r.calls.isEmpty && r.content == "not json")
        #expect(Harmony.read("plain text").content == "plain text")
        // an unfinished header shows nothing yet
        #expect(Harmony.read("<|channel|>final").content.isEmpty)
    }

    /// Streamed, a reply gives the same content and reasoning as read whole, whatever the pieces it arrives in,
    /// and no marker (or the start of one) reaches the content.
    @Test func harmonyStreamMatchesTheWholeReading() {
        let replies = [
            "<|channel|>analysis<|message|>a < b, so<|start|>assistant<|channel|>final<|message|>Answer: a <| b",
            "<|channel|>analysis<|message|>Need weather.<|start|>assistant<|channel|>commentary to=functions.get_weather <|constrain|>json<|message|>{\"city\": \"Paris\"}",
            "<|channel|>commentary<|message|>Pre.<|start|>assistant<|channel|>commentary to=functions.f<|message|>oops<|start|>assistant<|channel|>final<|message|>Done.",
            "plain <|text|> reply",
        ]
        var rng = SystemRandomNumberGenerator()
        for reply in replies {
            let whole = Harmony.read(reply)
            for split in 0..<20 {
                var s = Harmony.Stream()
                var content = "", reasoning = ""
                var rest = Substring(reply)
                while !rest.isEmpty {
                    let n = split == 0 ? 1 : Int.random(in: 1...8, using: &rng)
                    let piece = rest.prefix(n)
                    rest = rest.dropFirst(n)
                    let (c, r) = s.take(String(piece))
                    content += c
                    reasoning += r
                }
                let (c, r) = s.finish()
                content += c
                reasoning += r
                #expect(content == whole.content, "\(reply) in pieces: \(content) vs \(whole.content)")
                #expect(reasoning == whole.reasoning, "\(reply) in pieces: \(reasoning) vs \(whole.reasoning)")
                #expect(!content.contains("<|channel|>") && !content.contains("<|message|>"))
            }
        }
    }

    @Test func hermesCallsAndContent() {
        let text = "Let me check.\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\", \"unit\": \"c\"}}\n</tool_call>\n<tool_call>\n{\"name\": \"calc\", \"arguments\": \"{\\\"x\\\": 1}\"}\n</tool_call>"
        let (content, calls) = ToolCallFormat.hermes.parse(text)
        #expect(content == "Let me check.")
        #expect(calls.map(\.name) == ["get_weather", "calc"])
        #expect(calls.first?.arguments.jsonText == #"{"city":"Paris","unit":"c"}"#)  // key order kept
        #expect(calls.last?.arguments.jsonText == #"{"x":1}"#)                       // arguments given as a string
        // bare and fenced JSON calls count only for offered names and when nothing follows
        let fenced = "```json\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Rome\", \"unit\": \"f\"}}\n```"
        #expect(ToolCallFormat.hermes.parse(fenced, names: ["get_weather"]).calls.count == 1)
        #expect(ToolCallFormat.hermes.parse(fenced, names: ["other"]).calls.isEmpty)
        #expect(ToolCallFormat.hermes.parse(fenced + " and more prose", names: ["get_weather"]).calls.isEmpty)
        #expect(ToolCallFormat.hermes.parse("no calls here").calls.isEmpty)
        #expect(ToolCallFormat.hermes.parse("<tool_call>\n{\"name\": \"f\", \"arguments\": [1]}").calls.isEmpty)  // arguments must be an object
    }

    @Test func mistralAndLlama3Calls() {
        let m = ToolCallFormat.mistral.parse("[TOOL_CALLS][{\"name\": \"a\", \"arguments\": {}}, {\"name\": \"b\", \"arguments\": {\"k\": true}}]")
        #expect(m.calls.map(\.name) == ["a", "b"] && m.content.isEmpty)
        let l = ToolCallFormat.llama3.parse("<|python_tag|>{\"name\": \"a\", \"parameters\": {\"q\": \"x\"}}; {\"name\": \"b\", \"parameters\": {}}")
        #expect(l.calls.map(\.name) == ["a", "b"])
        #expect(l.calls.first?.arguments.jsonText == #"{"q":"x"}"#)
    }

    /// Every string the required-call grammar allows reads back as calls to offered tools with valid arguments:
    /// checked by generating with the default model under it (its template has no tools; the grammar alone
    /// shapes the reply).
    @Test func requiredCallGrammarAlwaysGivesAValidCall() throws {
        let engine = try #require(GrammarModel.engine, "the default model is needed")
        for format in [ToolCallFormat.hermes, .mistral, .llama3, .harmony] {
            let g = try Grammar(gbnf: format.gbnf(tools: [("get_weather", weather), ("noop", nil)], parallel: true))
            for (t, seed) in [(Float(0), UInt64(1)), (1.0, 2), (1.3, 3)] {
                var o = GenerationOptions(maxTokens: 150, sampling: SamplingParameters(temperature: t, topK: 40, topP: 0.95, minP: 0.05, seed: seed))
                o.grammar = g
                let r = try engine.generate(prompt: engine.tokenizer.encode("What is the weather in Paris?"), options: o)
                guard r.finishReason == .stop else { continue }
                let calls = format.parse(r.text).calls
                #expect(!calls.isEmpty, "\(format) at \(t): \(r.text)")
                for c in calls where c.name == "get_weather" {
                    #expect(SchemaCheck.validates(c.arguments, weather, root: weather), "\(format): \(r.text)")
                }
            }
        }
    }
}
