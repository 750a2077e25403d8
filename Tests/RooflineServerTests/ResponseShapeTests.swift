import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import RooflineEngine
import RooflineServer
import RooflineTestSupport

/// The JSON the routes write, read back as plain objects: keys the APIs define as null are there as null (not
/// left out), absent ones stay absent, numbers are numbers, and slashes are not escaped.
extension RouteTests {
    /// A tiny model whose chat template renders tools with hermes `<tool_call>` markers, so a required tool
    /// choice constrains the reply to a call.
    static let toolEngine: Result<Engine, Error> = Result {
        var shape = TinyModel.Shape()
        shape.context = 1024
        shape.chatTemplate = """
            {%- for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}\
            {%- if tools %}<tools>{% for t in tools %}{{ t.function.name }} {% endfor %}</tools> call as <tool_call>\n{% endif %}\
            <|im_start|>assistant\n
            """
        let path = Fixtures.temporaryPath("route-tests-tools.gguf")
        try TinyModel.make(shape).write(to: path)
        return try Engine(path: path, threads: 1, contextSize: 1024)
    }

    static let unitParameters = #"{"type": "object", "properties": {"unit": {"type": "string", "enum": ["c", "f"]}}, "required": ["unit"]}"#

    /// A response body as a JSON object.
    static func object(_ body: ByteBuffer) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any], "\(String(buffer: body))")
    }

    /// The `data:` objects of an event stream (its `[DONE]` left out), with their `event:` names when given.
    static func events(_ body: ByteBuffer) throws -> [(name: String?, data: [String: Any])] {
        try String(buffer: body).components(separatedBy: "\n\n").filter { !$0.isEmpty && $0 != "data: [DONE]" }.map { block in
            var name: String?
            var data: [String: Any] = [:]
            for line in block.split(separator: "\n") {
                if line.hasPrefix("event: ") { name = String(line.dropFirst(7)) }
                if line.hasPrefix("data: ") { data = try object(ByteBuffer(string: String(line.dropFirst(6)))) }
            }
            return (name, data)
        }
    }

    static func post(_ client: some TestClientProtocol, _ uri: String, _ body: String) async throws -> TestResponse {
        try await client.execute(uri: uri, method: .post, headers: Self.jsonHeaders, body: Self.json(body)) { $0 }
    }

    @Test func chatAndCompletionWriteTheirNulls() async throws {
        try await withServer { client in
            let r = try await Self.post(client, "/v1/chat/completions", #"{"messages": [{"role": "user", "content": "hi"}], "max_tokens": 3, "temperature": 0, "ignore_eos": true}"#)
            #expect(r.status == .ok)
            let whole = try Self.object(r.body)
            let choice = try #require((whole["choices"] as? [[String: Any]])?.first)
            #expect(choice["logprobs"] is NSNull && choice["finish_reason"] as? String == "length")
            let message = try #require(choice["message"] as? [String: Any])
            #expect(message["role"] as? String == "assistant" && message["content"] is String)
            #expect(message["tool_calls"] == nil && message["reasoning_content"] == nil && choice["delta"] == nil && choice["text"] == nil)
            #expect(whole["object"] as? String == "chat.completion" && whole["system_fingerprint"] as? String == "roofline")
            let usage = try #require(whole["usage"] as? [String: Any])
            #expect(usage["completion_tokens"] as? Int == 3 && (usage["prompt_tokens_details"] as? [String: Any])?["cached_tokens"] is Int)

            // Streamed: the opening chunk has the role and empty content, every chunk null logprobs, mid-stream
            // chunks a null finish_reason; the usage chunk has no choices.
            let s = try await Self.post(client, "/v1/chat/completions", #"""
                {"messages": [{"role": "user", "content": "hi"}], "max_tokens": 3, "temperature": 0, "ignore_eos": true, "stream": true, "stream_options": {"include_usage": true}}
                """#)
            let chunks = try Self.events(s.body).map(\.data)
            let choices = chunks.compactMap { ($0["choices"] as? [[String: Any]])?.first }
            #expect(choices.count == chunks.count - 1 && chunks.last?["usage"] is [String: Any])
            #expect((chunks.last?["choices"] as? [Any])?.isEmpty == true && chunks.dropLast().allSatisfy { $0["usage"] == nil })
            #expect(choices.allSatisfy { $0["logprobs"] is NSNull })
            #expect(choices.dropLast().allSatisfy { $0["finish_reason"] is NSNull } && choices.last?["finish_reason"] as? String == "length")
            let opening = try #require(choices.first?["delta"] as? [String: Any])
            #expect(opening["role"] as? String == "assistant" && opening["content"] as? String == "")
            #expect(choices.dropFirst().allSatisfy { ($0["delta"] as? [String: Any])?["role"] == nil })

            // Log-probabilities are finite numbers in both endpoints' shapes.
            let lp = try await Self.post(client, "/v1/chat/completions", #"""
                {"messages": [{"role": "user", "content": "hi"}], "max_tokens": 2, "ignore_eos": true, "logprobs": true, "top_logprobs": 2}
                """#)
            let entry = try #require(((try Self.object(lp.body)["choices"] as? [[String: Any]])?.first?["logprobs"] as? [String: Any])?["content"] as? [[String: Any]])
            #expect(entry.count == 2 && entry.allSatisfy { $0["logprob"] is Double && $0["bytes"] is [Int] && ($0["top_logprobs"] as? [Any])?.count == 2 })
            #expect((entry[0]["top_logprobs"] as? [[String: Any]])?.allSatisfy { $0["top_logprobs"] == nil && $0["token"] is String } == true)
            let c = try await Self.post(client, "/v1/completions", #"{"prompt": "the", "max_tokens": 2, "ignore_eos": true, "logprobs": 2}"#)
            #expect(!String(buffer: c.body).lowercased().contains("inf") && !String(buffer: c.body).lowercased().contains("nan"))
            let legacy = try #require((try Self.object(c.body)["choices"] as? [[String: Any]])?.first?["logprobs"] as? [String: Any])
            #expect((legacy["token_logprobs"] as? [Double])?.count == 2 && (legacy["text_offset"] as? [Int])?.first == 0)
            #expect((legacy["tokens"] as? [String])?.count == 2 && (legacy["top_logprobs"] as? [[String: Double]])?.count == 2)
        }
    }

    @Test func errorsWriteNullsAndUnescapedSlashes() async throws {
        try await withServer { client in
            try await client.execute(uri: "/v1/nothing", method: .get) { r in
                #expect(String(buffer: r.body).contains("/v1/nothing"))
                let e = try #require(try Self.object(r.body)["error"] as? [String: Any])
                #expect(e["param"] is NSNull && e["code"] as? String == "not_found" && e["type"] as? String == "invalid_request_error")
            }
            let bad = try await Self.post(client, "/v1/chat/completions", "{not json")
            let e = try #require(try Self.object(bad.body)["error"] as? [String: Any])
            #expect(e["param"] is NSNull && e["message"] is String)
            let anthropic = try await Self.post(client, "/v1/messages", #"{"messages": [{"role": "user", "content": "hi"}]}"#)
            let a = try Self.object(anthropic.body)
            #expect(a["type"] as? String == "error" && (a["error"] as? [String: Any])?["type"] as? String == "invalid_request_error")
            try await client.execute(uri: "/health", method: .get) { r in
                let h = try Self.object(r.body)
                #expect(h["status"] as? String == "ok" && h["slots"] as? Int == 2 && h["active"] is Int && h["queued"] is Int)
            }
            try await client.execute(uri: "/v1/models/tiny", method: .get) { r in
                let m = try Self.object(r.body)
                #expect(m["owned_by"] as? String == "roofline" && (m["meta"] as? [String: Any])?["context_length"] as? Int == 128)
            }
        }
    }

    @Test func anthropicAndResponsesWriteTheirNulls() async throws {
        try await withServer { client in
            let m = try Self.object(try await Self.post(client, "/v1/messages", #"""
                {"messages": [{"role": "user", "content": "hi"}], "max_tokens": 3, "temperature": 0}
                """#).body)
            #expect(m["type"] as? String == "message" && m["stop_reason"] as? String == "max_tokens" && m["stop_sequence"] is NSNull)
            #expect((m["content"] as? [[String: Any]])?.first?["type"] as? String == "text")
            #expect((m["usage"] as? [String: Any])?["cache_read_input_tokens"] is Int)
            let events = try Self.events(try await Self.post(client, "/v1/messages", #"""
                {"messages": [{"role": "user", "content": "hi"}], "max_tokens": 3, "temperature": 0, "stream": true}
                """#).body)
            #expect(events.allSatisfy { $0.name == $0.data["type"] as? String })
            let start = try #require(events.first { $0.name == "message_start" }?.data["message"] as? [String: Any])
            #expect(start["stop_reason"] is NSNull && start["stop_sequence"] is NSNull && (start["content"] as? [Any])?.isEmpty == true)
            #expect((start["usage"] as? [String: Any])?["cache_read_input_tokens"] == nil)
            let delta = try #require(events.first { $0.name == "message_delta" }?.data["delta"] as? [String: Any])
            #expect(delta["stop_reason"] as? String == "max_tokens" && delta["stop_sequence"] is NSNull)

            let r = try Self.object(try await Self.post(client, "/v1/responses", #"{"input": "hi", "max_output_tokens": 3, "temperature": 0}"#).body)
            #expect(r["status"] as? String == "incomplete" && (r["incomplete_details"] as? [String: Any])?["reason"] as? String == "max_output_tokens")
            #expect(r["error"] is NSNull && r["instructions"] is NSNull && r["previous_response_id"] is NSNull)
            #expect((r["metadata"] as? [String: Any])?.isEmpty == true && r["store"] as? Bool == false && r["max_output_tokens"] as? Int == 3)
            #expect(((r["text"] as? [String: Any])?["format"] as? [String: Any])?["type"] as? String == "text" && r["tool_choice"] as? String == "none")
            let item = try #require((r["output"] as? [[String: Any]])?.first)
            #expect(item["type"] as? String == "message" && ((item["content"] as? [[String: Any]])?.first?["annotations"] as? [Any])?.isEmpty == true)
            let stream = try Self.events(try await Self.post(client, "/v1/responses", #"{"input": "hi", "max_output_tokens": 3, "temperature": 0, "stream": true}"#).body)
            #expect(stream.enumerated().allSatisfy { $1.data["sequence_number"] as? Int == $0 && $1.name == $1.data["type"] as? String })
            let created = try #require(stream.first?.data["response"] as? [String: Any])
            #expect(created["usage"] is NSNull && created["incomplete_details"] is NSNull && (created["output"] as? [Any])?.isEmpty == true)
            #expect(stream.last?.name == "response.incomplete" && (stream.last?.data["response"] as? [String: Any])?["usage"] is [String: Any])
        }
    }

    /// Replies read as calls, in each API's shape: OpenAI's `tool_calls` (content null), streamed as a
    /// `tool_calls` delta; Anthropic's `tool_use` block with its input an object; a Responses `function_call`.
    @Test func toolCallsTakeEachAPIsShape() async throws {
        let engine = try Self.toolEngine.get()
        let scheduler = try Scheduler(engine: engine, configuration: SchedulerConfiguration(parallel: 1, contextSize: 1024))
        let server = RooflineServer(engine: engine, scheduler: scheduler, configuration: ServerConfiguration(modelID: "tiny"))
        let tool = #"{"type": "function", "function": {"name": "units", "parameters": \#(Self.unitParameters)}}"#
        let messages = #"[{"role": "user", "content": "which unit?"}]"#
        try await Application(router: server.makeRouter()).test(.router) { client in
            let chat = #"{"messages": \#(messages), "tools": [\#(tool)], "tool_choice": "required", "max_tokens": 200"#
            let whole = try Self.object(try await Self.post(client, "/v1/chat/completions", chat + "}").body)
            let choice = try #require((whole["choices"] as? [[String: Any]])?.first)
            #expect(choice["finish_reason"] as? String == "tool_calls" && choice["logprobs"] is NSNull)
            let message = try #require(choice["message"] as? [String: Any])
            #expect(message["content"] is NSNull)
            let call = try #require((message["tool_calls"] as? [[String: Any]])?.first)
            #expect((call["id"] as? String)?.hasPrefix("call_") == true && call["type"] as? String == "function" && call["index"] == nil)
            let function = try #require(call["function"] as? [String: Any])
            let arguments = try #require(function["arguments"] as? String)
            #expect(function["name"] as? String == "units")
            #expect(["c", "f"].contains((try JSONSerialization.jsonObject(with: Data(arguments.utf8)) as? [String: Any])?["unit"] as? String))

            let chunks = try Self.events(try await Self.post(client, "/v1/chat/completions", chat + #", "stream": true}"#).body).map(\.data)
            let deltas = chunks.compactMap { ($0["choices"] as? [[String: Any]])?.first }
            let streamed = try #require(deltas.compactMap { ($0["delta"] as? [String: Any])?["tool_calls"] as? [[String: Any]] }.first?.first)
            #expect(streamed["index"] as? Int == 0 && (streamed["function"] as? [String: Any])?["arguments"] is String)
            #expect(deltas.last?["finish_reason"] as? String == "tool_calls")

            let anthropicTool = #"{"name": "units", "input_schema": \#(Self.unitParameters)}"#
            let m = try Self.object(try await Self.post(client, "/v1/messages", #"""
                {"messages": \#(messages), "tools": [\#(anthropicTool)], "tool_choice": {"type": "any"}, "max_tokens": 200}
                """#).body)
            #expect(m["stop_reason"] as? String == "tool_use" && m["stop_sequence"] is NSNull)
            let use = try #require((m["content"] as? [[String: Any]])?.last)
            #expect(use["type"] as? String == "tool_use" && (use["id"] as? String)?.hasPrefix("toolu_") == true && use["name"] as? String == "units")
            #expect(["c", "f"].contains((use["input"] as? [String: Any])?["unit"] as? String))
            let events = try Self.events(try await Self.post(client, "/v1/messages", #"""
                {"messages": \#(messages), "tools": [\#(anthropicTool)], "tool_choice": {"type": "any"}, "max_tokens": 200, "stream": true}
                """#).body)
            let opened = try #require(events.compactMap { $0.data["content_block"] as? [String: Any] }.last)
            #expect(opened["type"] as? String == "tool_use" && (opened["input"] as? [String: Any])?.isEmpty == true)
            #expect(events.contains { ($0.data["delta"] as? [String: Any])?["partial_json"] is String })

            let responsesTool = #"{"type": "function", "name": "units", "parameters": \#(Self.unitParameters)}"#
            let r = try Self.object(try await Self.post(client, "/v1/responses", #"""
                {"input": "which unit?", "tools": [\#(responsesTool)], "tool_choice": "required", "max_output_tokens": 200}
                """#).body)
            let item = try #require((r["output"] as? [[String: Any]])?.last)
            #expect(item["type"] as? String == "function_call" && item["status"] as? String == "completed" && item["arguments"] is String)
            #expect((item["call_id"] as? String)?.hasPrefix("call_") == true && (item["id"] as? String)?.hasPrefix("fc_") == true)
            #expect(r["parallel_tool_calls"] as? Bool == true && ((r["tools"] as? [[String: Any]])?.first?["parameters"] as? [String: Any]) != nil)
        }
        await scheduler.shutdown(grace: .seconds(1))
    }
}
