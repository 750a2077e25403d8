import Testing
import RooflineTokenizer

@Suite struct ChatTemplateTests {
    static let smolLM2 = "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}{{ '<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n' }}{% endif %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"

    // Meta's Llama-3 Instruct template as published with the model.
    static let llama3 = "{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'+ message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{% endif %}"

    @Test func smolLM2AddsDefaultSystemMessage() throws {
        let t = ChatTemplate(source: Self.smolLM2)
        #expect(t.fallbackReason == nil)
        let out = try t.render([ChatMessage(role: "user", content: "What is 2+2?")])
        #expect(out == "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n")
    }

    @Test func smolLM2KeepsGivenSystemMessage() throws {
        let t = ChatTemplate(source: Self.smolLM2)
        let out = try t.render([ChatMessage(role: "system", content: "Be brief."), ChatMessage(role: "user", content: "Hi")], addGenerationPrompt: false)
        #expect(out == "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n")
    }

    @Test func llama3Template() throws {
        let t = ChatTemplate(source: Self.llama3, bosToken: "<|begin_of_text|>")
        let out = try t.render([ChatMessage(role: "system", content: " Be brief. "), ChatMessage(role: "user", content: "Hi")])
        #expect(out == "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n")
    }

    @Test func whitespaceControlAndTrimBlocks() throws {
        let src = "{% for m in messages -%}\n  [{{ m.role }}]\n{%- endfor %}\n{% if true %}\n  yes\n{% endif %}"
        let out = try JinjaTemplate(src).render(["messages": .array([.dict([("role", .string("a"))]), .dict([("role", .string("b"))])])])
        #expect(out == "[a][b]  yes\n")  // jinja2 3.1.6 with trim_blocks and lstrip_blocks gives this
    }

    // Expected strings in this suite were rendered by jinja2 (trim_blocks=True, lstrip_blocks=True).
    @Test func namespacesFiltersAndMethods() throws {
        let src = """
        {%- set ns = namespace(found=false) -%}
        {%- for m in messages if m.role == 'tool' %}{% set ns.found = true %}{% endfor -%}
        {{ ns.found }} {{ messages|length }} {{ 'x' ~ 3 }} {{ "  pad  "|trim }} {{ 'abc'.upper() }} {{ 'a,b'.split(',')|join('+') }} {{ {'k': [1, "two"]}|tojson }} {{ messages[-1]['role'] if messages else 'none' }} {{ 'ab'[1:] }} {{ 7 // 2 }} {{ x is defined }} {{ 'y' in 'xyz' }}
        """
        let msgs: JinjaValue = .array([.dict([("role", .string("user"))]), .dict([("role", .string("tool"))])])
        let out = try JinjaTemplate(src).render(["messages": msgs])
        #expect(out == "True 2 x3 pad ABC a+b {\"k\": [1, \"two\"]} tool b 3 False True")
    }

    @Test func raiseExceptionIsAnError() {
        #expect(throws: TokenizerError.badChatTemplate("Only user and assistant roles are supported!")) {
            try JinjaTemplate("{{ raise_exception('Only user and assistant roles are supported!') }}").render([:])
        }
    }

    /// Macros as Jinja runs them: positional, keyword and default arguments (defaults evaluated at the call),
    /// recursion, and the macro's variables gone after the call.
    @Test func macrosRender() throws {
        let src = """
        {%- macro item(name, n=2, sep=", ") -%}{{ name }}={{ n }}{{ sep }}{%- endmacro -%}
        {%- macro count(k) -%}{%- if k > 0 -%}{{ k }}{{ count(k - 1) }}{%- endif -%}{%- endmacro -%}
        {{ item("a") }}{{ item("b", 3) }}{{ item("c", sep=";") }}|{{ count(3) }}|{{ name is defined }}
        """
        let got = try JinjaTemplate(src).render([:])
        #expect(got == "a=2, b=3, c=2;|321|False", "\(got.debugDescription)")
    }

    @Test func strftimeNowFormatsTheGivenInstant() throws {
        let t = try JinjaTemplate("{{ strftime_now('%Y-%m-%d') }} {{ strftime_now('%d %b %Y') }} {{ strftime_now is defined }}")
        let got = try t.render([:], now: 1_721_995_200)
        #expect(got == "2024-07-26 26 Jul 2024 True", "\(got.debugDescription)")
        #expect(try !t.render([:]).hasPrefix("2024-07-26"), "without an instant it is today")
    }

    @Test func brokenTemplateFallsBackToChatML() throws {
        let t = ChatTemplate(source: "{% for x in %}")
        #expect(t.fallbackReason != nil)
        let out = try t.render([ChatMessage(role: "user", content: "Hi")])
        #expect(out == "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n")
        #expect(ChatTemplate(source: nil).fallbackReason == "the model has no chat template; using ChatML")
    }

    @Test(arguments: ["{% if x %}", "{{ 'unterminated }}", "{% macro m() %}no end", "{% macro m(a) %}{% endmacro %}{{ m(1, 2) }}",
                      "{% macro m(a) %}{% endmacro %}{{ m(b=1) }}", "{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}",
                      "{{ x | nofilter }}", "{% call m() %}{% endcall %}"])
    func malformedTemplatesThrow(src: String) {
        #expect(throws: TokenizerError.self) { try JinjaTemplate(src).render(["x": .bool(true)]) }
    }
}
