#!/usr/bin/env python3
"""Tool calling through a running `roofline serve` whose model's chat template renders tools (for example
Qwen2.5-Coder-1.5B-Instruct: `roofline serve --model qwen2.5-coder-1.5b`), with the official `openai` client.

For each of 32 prompts (weather, calculator, file search, and prompts that need two tools), with
`tool_choice: auto` and then `required`: the reply must be calls (finish_reason tool_calls) to the expected
function, with arguments that the `jsonschema` package validates against the tool's parameters. Prints the share
for each choice (the speed issue's targets: at least 90% with auto, 100% with required). Then: a named
tool_choice, a round trip (the call answered by a `tool` message, then a plain reply with tool_choice none), and a streamed call
(tool_calls deltas, then finish_reason tool_calls).

    python3 scripts/server/tool_call_check.py --base-url http://127.0.0.1:8080

Exits non-zero when required is below 100%, auto below 90%, or any of the other checks fails.
"""
import argparse
import json
import sys

import jsonschema
import openai

TOOLS = [
    {"type": "function", "function": {"name": "get_weather", "description": "Get the current weather in a city",
     "parameters": {"type": "object", "properties": {"city": {"type": "string"}, "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}},
                    "required": ["city", "unit"]}}},
    {"type": "function", "function": {"name": "calculator", "description": "Evaluate an arithmetic expression and return the number",
     "parameters": {"type": "object", "properties": {"expression": {"type": "string"}}, "required": ["expression"]}}},
    {"type": "function", "function": {"name": "search_files", "description": "Find files in the project whose names match a glob pattern",
     "parameters": {"type": "object", "properties": {"pattern": {"type": "string"}, "directory": {"type": "string"}}, "required": ["pattern"]}}},
]
SCHEMAS = {t["function"]["name"]: t["function"]["parameters"] for t in TOOLS}

PROMPTS = [(p, "get_weather") for p in [
    "What is the weather in Paris in celsius?", "How hot is it in Tokyo right now, in fahrenheit?",
    "Tell me the current weather in Berlin (celsius).", "Is it raining in London? Use celsius.",
    "Weather for New York please, fahrenheit.", "What's the temperature in Sydney in celsius?",
    "Check the weather in Cairo in celsius.", "How cold is Oslo today? Answer in fahrenheit.",
]] + [(p, "calculator") for p in [
    "What is 1234 * 5678?", "Compute (17 + 25) / 3.", "What is 2 to the power of 20?",
    "Calculate 15% of 240.", "What is 987654 - 123456?", "Divide 144 by 12.",
    "What is the square root of 1764? Use the calculator.", "Add 3.5, 4.25 and 10.",
]] + [(p, "search_files") for p in [
    "Find all Swift files in the project.", "Search for files matching *.md in docs.",
    "Where are the test files named *Tests.swift?", "List the Python scripts under scripts/.",
    "Find files called Package.swift.", "Look for any .json fixtures in Tests/Fixtures.",
    "Find the CI script named run in .ci.", "Search for *.c files in Sources/CRooflineKernels.",
]] + [(p, {"get_weather", "calculator", "search_files"}) for p in [
    "What is the weather in Rome in celsius, and what is 45 * 3?",
    "Find all *.gguf files, and tell me the weather in Madrid in fahrenheit.",
    "Compute 99 + 1 and search for README files.", "Weather in Lima (celsius) and in Quito (celsius)?",
    "What is 7 * 6, and find *.py files in scripts.", "Tell me the weather in Seoul in celsius and compute 2 ** 10.",
    "Search for Makefile files and compute 1000 / 8.", "Weather in Nairobi in celsius, and find *.yml files.",
]]


def calls_ok(choice, expected):
    msg = choice.message
    if choice.finish_reason != "tool_calls" or not msg.tool_calls:
        return False, f"finish_reason {choice.finish_reason}, content {msg.content!r:.200}"
    for c in msg.tool_calls:
        name = c.function.name
        if isinstance(expected, str) and name != expected:
            return False, f"called {name}, expected {expected}"
        if name not in SCHEMAS:
            return False, f"called unknown {name}"
        try:
            jsonschema.validate(json.loads(c.function.arguments), SCHEMAS[name])
        except Exception as e:  # noqa: BLE001 (any parse or validation failure)
            return False, f"{name} arguments {c.function.arguments!r}: {e}"
    return True, ""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base-url", required=True)
    ap.add_argument("--api-key", default="none")
    ap.add_argument("--verbose", action="store_true")
    a = ap.parse_args()
    client = openai.OpenAI(base_url=a.base_url.rstrip("/") + "/v1", api_key=a.api_key, max_retries=0, timeout=600)
    model = client.models.list().data[0].id
    failures = []
    shares = {}
    for choice_mode in ("auto", "required"):
        good = 0
        for prompt, expected in PROMPTS:
            r = client.chat.completions.create(model=model, messages=[{"role": "user", "content": prompt}], tools=TOOLS,
                                               tool_choice=choice_mode, temperature=0, max_tokens=200)
            ok, why = calls_ok(r.choices[0], expected)
            good += ok
            if not ok and (a.verbose or choice_mode == "required"):
                print(f"  {choice_mode}: {prompt!r}: {why}")
        shares[choice_mode] = good / len(PROMPTS)
        print(f"tool_choice {choice_mode}: {good} of {len(PROMPTS)} replies are valid calls to the right function ({100 * good / len(PROMPTS):.0f}%)")
    if shares["required"] < 1.0:
        failures.append("required below 100%")
    if shares["auto"] < 0.9:
        failures.append("auto below 90%")

    r = client.chat.completions.create(model=model, messages=[{"role": "user", "content": "Hello!"}], tools=TOOLS,
                                       tool_choice={"type": "function", "function": {"name": "calculator"}}, temperature=0, max_tokens=100)
    ok, why = calls_ok(r.choices[0], "calculator")
    print(("ok   " if ok else "FAIL ") + "a named tool_choice calls that function" + ("" if ok else f": {why}"))
    if not ok:
        failures.append("named")

    messages = [{"role": "user", "content": "What is the weather in Paris in celsius?"}]
    r = client.chat.completions.create(model=model, messages=messages, tools=TOOLS, tool_choice="required", temperature=0, max_tokens=100)
    call = r.choices[0].message.tool_calls[0]
    messages += [{"role": "assistant", "content": None, "tool_calls": [{"id": call.id, "type": "function",
                  "function": {"name": call.function.name, "arguments": call.function.arguments}}]},
                 {"role": "tool", "tool_call_id": call.id, "content": json.dumps({"temperature": 21, "sky": "clear"})}]
    # tool_choice none for the answer: Qwen2.5-Coder-1.5B asked again with auto repeats the call
    r = client.chat.completions.create(model=model, messages=messages, tools=TOOLS, tool_choice="none", temperature=0, max_tokens=80)
    text = r.choices[0].message.content or ""
    ok = r.choices[0].finish_reason == "stop" and "21" in text
    print(("ok   " if ok else "FAIL ") + f"round trip: the tool's answer reaches the reply: {text!r:.120}")
    if not ok:
        failures.append("round trip")

    stream = client.chat.completions.create(model=model, messages=[{"role": "user", "content": "Compute 6 * 7."}], tools=TOOLS,
                                            tool_choice="required", temperature=0, max_tokens=100, stream=True)
    deltas, finish = [], None
    for chunk in stream:
        for c in chunk.choices:
            if c.delta.tool_calls:
                deltas += c.delta.tool_calls
            if c.finish_reason:
                finish = c.finish_reason
    ok = finish == "tool_calls" and deltas and deltas[0].function.name == "calculator" and json.loads(deltas[0].function.arguments)
    print(("ok   " if ok else "FAIL ") + f"streamed call: {len(deltas)} tool_calls deltas, finish_reason {finish}")
    if not ok:
        failures.append("stream")

    print("failed: " + ", ".join(failures) if failures else "all tool checks passed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
