#!/usr/bin/env python3
"""gpt-oss's harmony format through a running `roofline serve` whose model's chat template is gpt-oss's (the
tests serve a random-weight model with gpt-oss's template and special tokens), with the official `openai` and
`anthropic` clients:
- `tool_choice: required` gives a call to the tool, its arguments valid JSON with the required key, whole and
  streamed (the streamed call equal to the whole one's name and arguments), and an Anthropic tool_use block;
- a reply forced by a GBNF grammar to an analysis message and then a final one reads back as `content` (the
  final channel only) and `reasoning_content` (the analysis), whole and streamed (the streamed deltas joined equal
  the whole reply's fields, and no channel marker reaches the content);
- a call-shaped reply to a request without tools is not read as a call.

    python3 scripts/server/harmony_check.py --base-url http://127.0.0.1:8080

Exits 1 at the first failed check.
"""
import argparse
import json
import os
import sys

import anthropic
import openai

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checklib import check, passed  # noqa: E402

WEATHER = {"type": "function", "function": {"name": "get_weather", "description": "Get the weather in a city",
           "parameters": {"type": "object", "properties": {"city": {"type": "string", "maxLength": 12}},
                          "required": ["city"]}}}
FORCED = 'root ::= "<|channel|>analysis<|message|>thinking it over<|start|>assistant<|channel|>final<|message|>Hello there"'


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base-url", required=True)
    ap.add_argument("--api-key", default="none")
    a = ap.parse_args()
    client = openai.OpenAI(base_url=a.base_url.rstrip("/") + "/v1", api_key=a.api_key, max_retries=0, timeout=600)
    model = client.models.list().data[0].id
    msgs = [{"role": "user", "content": "What is the weather in Paris?"}]

    # a required call, whole and streamed
    for seed in range(3):
        r = client.chat.completions.create(model=model, messages=msgs, tools=[WEATHER], tool_choice="required",
                                           max_tokens=200, temperature=1.0, seed=seed)
        c = r.choices[0]
        check(c.finish_reason == "tool_calls", f"required call {seed}: finish_reason {c.finish_reason}, message {c.message}")
        check(c.message.tool_calls and c.message.tool_calls[0].function.name == "get_weather", f"required call {seed}: {c.message}")
        args = json.loads(c.message.tool_calls[0].function.arguments)
        check(isinstance(args.get("city"), str), f"required call {seed}: arguments {args}")
        check(not c.message.content, f"required call {seed}: no content beside the call, got {c.message.content!r}")

        chunks = list(client.chat.completions.create(model=model, messages=msgs, tools=[WEATHER], tool_choice="required",
                                                     max_tokens=200, temperature=1.0, seed=seed, stream=True))
        calls = [tc for ch in chunks for choice in ch.choices for tc in (choice.delta.tool_calls or [])]
        content = "".join(choice.delta.content or "" for ch in chunks for choice in ch.choices)
        check(len(calls) == 1 and calls[0].function.name == "get_weather", f"streamed call {seed}: {calls}")
        check(calls[0].function.arguments == c.message.tool_calls[0].function.arguments,
              f"streamed call {seed}: arguments {calls[0].function.arguments} vs {c.message.tool_calls[0].function.arguments}")
        check(content == "", f"streamed call {seed}: content {content!r}")
        check(chunks[-1].choices[0].finish_reason == "tool_calls", f"streamed call {seed}: last chunk {chunks[-1]}")

    # channels read back: final content and analysis reasoning, whole and streamed
    r = client.chat.completions.create(model=model, messages=msgs, max_tokens=200, temperature=0, extra_body={"grammar": FORCED})
    m = r.choices[0].message
    check(m.content == "Hello there", f"final channel as content: {m.content!r}")
    reasoning = getattr(m, "reasoning_content", None) or (m.model_extra or {}).get("reasoning_content")
    check(reasoning == "thinking it over", f"analysis channel as reasoning_content: {reasoning!r}")
    chunks = list(client.chat.completions.create(model=model, messages=msgs, max_tokens=200, temperature=0,
                                                 extra_body={"grammar": FORCED}, stream=True))
    content = "".join(ch.choices[0].delta.content or "" for ch in chunks if ch.choices)
    streamed_reasoning = "".join((ch.choices[0].delta.model_extra or {}).get("reasoning_content") or "" for ch in chunks if ch.choices)
    check(content == "Hello there", f"streamed content: {content!r}")
    check(streamed_reasoning == "thinking it over", f"streamed reasoning: {streamed_reasoning!r}")

    # a call-shaped reply without tools is not a call
    call_shaped = 'root ::= "<|channel|>commentary to=functions.get_weather <|constrain|>json<|message|>{\\"city\\": \\"Paris\\"}"'
    r = client.chat.completions.create(model=model, messages=msgs, max_tokens=200, temperature=0, extra_body={"grammar": call_shaped})
    check(not r.choices[0].message.tool_calls and r.choices[0].finish_reason == "stop", f"no tools, no calls: {r.choices[0]}")

    # the Anthropic Messages API reads the same call
    ac = anthropic.Anthropic(base_url=a.base_url.rstrip("/"), api_key=a.api_key, max_retries=0, timeout=600)
    tool = {"name": "get_weather", "description": "Get the weather in a city", "input_schema": WEATHER["function"]["parameters"]}
    r = ac.messages.create(model=model, max_tokens=200, messages=msgs, tools=[tool], tool_choice={"type": "any"})
    uses = [b for b in r.content if b.type == "tool_use"]
    check(r.stop_reason == "tool_use" and len(uses) == 1 and uses[0].name == "get_weather" and isinstance(uses[0].input.get("city"), str),
          f"anthropic tool_use: {r}")
    print(f"{passed()} passed, 0 failed")


if __name__ == "__main__":
    main()
