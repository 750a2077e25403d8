#!/usr/bin/env python3
"""Renders real models' chat templates (llama.cpp's models/templates/*.jinja, fetched by
scripts/fetch_llama_vocabs.py) with Python's jinja2 set up as Hugging Face transformers' apply_chat_template
sets it up (sandboxed, trim_blocks, lstrip_blocks, loopcontrols, its tojson and raise_exception), for a few
conversations, and writes the expected renderings for Tests/RooflineTokenizerTests/ChatTemplateReferenceTests.

    python3 scripts/reference/make_chat_template_reference.py ~/.cache/roofline/llama-vocab/templates

Objects are written as {"__pairs__": [[key, value], ...]} so their key order (which tojson shows) survives.
"""
import datetime
import json
import os
import sys

import jinja2
from jinja2.ext import loopcontrols
from jinja2.sandbox import ImmutableSandboxedEnvironment

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "Tests", "Fixtures", "chat_templates", "expected.json")

TEMPLATES = {  # file: (bos_token, eos_token)
    "meta-llama-Llama-3.1-8B-Instruct.jinja": ("<|begin_of_text|>", "<|eot_id|>"),
    "meta-llama-Llama-3.2-3B-Instruct.jinja": ("<|begin_of_text|>", "<|eot_id|>"),
    "meta-llama-Llama-3.3-70B-Instruct.jinja": ("<|begin_of_text|>", "<|eot_id|>"),
    "Qwen-Qwen2.5-7B-Instruct.jinja": ("", "<|im_end|>"),
    "Qwen-Qwen3-0.6B.jinja": ("", "<|im_end|>"),
    "google-gemma-2-2b-it.jinja": ("<bos>", "<eos>"),
    "microsoft-Phi-3.5-mini-instruct.jinja": ("<s>", "<|endoftext|>"),
    "mistralai-Mistral-Nemo-Instruct-2407.jinja": ("<s>", "</s>"),
    "HuggingFaceTB-SmolLM3-3B.jinja": ("", "<|im_end|>"),
    "deepseek-ai-DeepSeek-R1-Distill-Qwen-32B.jinja": ("<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>"),
    "openai-gpt-oss-120b.jinja": ("<|startoftext|>", "<|return|>"),  # gpt-oss's harmony format
}

WEATHER_TOOL = {"type": "function", "function": {"name": "get_weather", "description": "Get the current weather in a city",
                "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": "The city"}},
                               "required": ["city"]}}}

CASES = {
    "user": {"messages": [{"role": "user", "content": "Hello!"}], "add_generation_prompt": True},
    "system_user": {"messages": [{"role": "system", "content": "You are terse."}, {"role": "user", "content": "What is 2+2?"}],
                    "add_generation_prompt": True},
    "multi_turn": {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello, how can I help?"},
                                {"role": "user", "content": "Tell me a joke."}], "add_generation_prompt": True},
    "no_generation_prompt": {"messages": [{"role": "user", "content": "Q"}, {"role": "assistant", "content": "A"}],
                             "add_generation_prompt": False},
    "tools": {"messages": [{"role": "user", "content": "Weather in Paris?"}], "tools": [WEATHER_TOOL], "add_generation_prompt": True},
    # a call and its result coming back, as Roofline's server hands them to the template (arguments an object)
    "tool_round_trip": {"messages": [{"role": "user", "content": "Weather in Paris?"},
                                     {"role": "assistant", "content": "", "tool_calls": [
                                         {"id": "call_1", "type": "function",
                                          "function": {"name": "get_weather", "arguments": {"city": "Paris"}}}]},
                                     {"role": "tool", "content": "{\"temp\": 18}", "tool_call_id": "call_1", "name": "get_weather"}],
                        "tools": [WEATHER_TOOL], "add_generation_prompt": True},
    "unicode_tools": {"messages": [{"role": "system", "content": "Réponds en français.\tTab \"quoted\""},
                                   {"role": "user", "content": "Météo à Zürich? 日本 🙂"}],
                      "tools": [{"type": "function", "function": {"name": "météo", "description": "Temps qu'il fait — «ville»",
                                                                  "parameters": {"type": "object", "properties": {}}}}],
                      "add_generation_prompt": True},
}


def raise_exception(message):
    raise jinja2.exceptions.TemplateError(message)


def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


def strftime_now(fmt):
    # transformers' global is datetime.now().strftime(fmt); a fixed instant keeps the renderings reproducible
    # (the Swift test passes the same one: 2024-07-26 12:00 UTC).
    return datetime.datetime(2024, 7, 26, 12, 0).strftime(fmt)


def environment():
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    return env


def pairs(v):
    if isinstance(v, dict):
        return {"__pairs__": [[k, pairs(x)] for k, x in v.items()]}
    if isinstance(v, list):
        return [pairs(x) for x in v]
    return v


def main():
    src = sys.argv[1] if len(sys.argv) > 1 else os.path.expanduser("~/.cache/roofline/llama-vocab/templates")
    env = environment()
    out = []
    for name, (bos, eos) in TEMPLATES.items():
        template = env.from_string(open(os.path.join(src, name), encoding="utf-8").read())
        for case, ctx in CASES.items():
            context = dict(ctx, bos_token=bos, eos_token=eos, date_string="26 Jul 2024")
            try:
                rendered, error = template.render(**context), None
            except jinja2.exceptions.TemplateError as e:
                rendered, error = None, str(e)
            out.append({"template": name, "case": case, "context": pairs(context), "rendered": rendered, "error": error})
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT + ".tmp", "w", encoding="utf-8") as f:
        json.dump(out, f, indent=1, ensure_ascii=False)
    os.replace(OUT + ".tmp", OUT)
    print(f"wrote {len(out)} renderings ({sum(1 for o in out if o['error'])} raise) to {OUT}")


if __name__ == "__main__":
    main()
