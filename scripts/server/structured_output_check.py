#!/usr/bin/env python3
"""Structured outputs through a running `roofline serve`, with the official `openai` client: every sample schema
of Tests/Fixtures/grammar/schemas.json (50 prompt and schema pairs) as `response_format: json_schema` (strict), greedy and sampled, must give
JSON that the `jsonschema` package validates; `json_object` must give a JSON object; a GBNF `grammar` (extra
body field, as llama.cpp's server takes it) that allows one string must give exactly that string; bad schemas
and grammars must be 400s naming the field. With --bench it also prints decode tokens/s with and without a
schema (the same prompt, greedy and sampled, timed from the first streamed token to the last).

    python3 scripts/server/structured_output_check.py --base-url http://127.0.0.1:8080 [--bench]

Prints one line per check, and 'N passed, N failed' at the end (exit status 1 when any failed): every schema is
tried even after one fails.
"""
import argparse
import json
import os
import sys
import time

import jsonschema
import openai

results = []


def check(name, ok, detail=""):
    """Records one check; unlike checklib's, a failure does not stop the run."""
    results.append(bool(ok))
    print(("ok   " if ok else "FAIL ") + name + ("" if ok else f": {detail}"), flush=True)


def bench(client, model, a):
    # decode tokens/s with and without a schema, greedy and sampled, rounds alternated, median of the rounds:
    # streamed, from the first content chunk to the last (prefill left out), over a reply the schema lets run
    # long (a list the prompt asks for), each rate over its own token count
    schema = {"type": "json_schema", "json_schema": {"name": "s", "schema": {"type": "array", "items": {"type": "string"}}}}
    prompt = "List sixty animal names as a JSON array of strings."
    def rate(fmt, temperature):
        times = []
        usage = None
        for ch in client.chat.completions.create(model=model, messages=[{"role": "user", "content": prompt}],
                                                 max_tokens=a.bench_tokens, temperature=temperature, seed=7, stream=True,
                                                 stream_options={"include_usage": True},
                                                 **({"response_format": fmt} if fmt else {})):
            if ch.choices and ch.choices[0].delta.content:
                times.append(time.time())
            if ch.usage:
                usage = ch.usage
        n = usage.completion_tokens
        return (n - 1) / (times[-1] - times[0]), n
    for temperature in (0, 1.0):
        plain, constrained = [], []
        for _ in range(a.bench_rounds):
            plain.append(rate(None, temperature))
            constrained.append(rate(schema, temperature))
        p, c = sorted(plain)[len(plain) // 2], sorted(constrained)[len(constrained) // 2]
        print(f"bench: temperature {temperature}: decode with no schema {p[0]:.1f} tok/s ({p[1]} tokens), with a schema "
              f"{c[0]:.1f} tok/s ({c[1]} tokens), {c[0] / p[0]:.2f}x; median of {a.bench_rounds} alternated rounds", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base-url", required=True)
    ap.add_argument("--api-key", default="none")
    ap.add_argument("--bench", action="store_true")
    ap.add_argument("--bench-rounds", type=int, default=5)
    ap.add_argument("--bench-tokens", type=int, default=128)
    ap.add_argument("--bench-only", action="store_true", help="only the benchmark, none of the checks")
    a = ap.parse_args()
    client = openai.OpenAI(base_url=a.base_url.rstrip("/") + "/v1", api_key=a.api_key, max_retries=0, timeout=600)
    model = client.models.list().data[0].id
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "..", "..", "Tests", "Fixtures", "grammar", "schemas.json")) as f:
        samples = json.load(f)
    if a.bench_only:
        bench(client, model, a)
        return

    for i, s in enumerate(samples):
        for temperature in (0, 1.0):
            r = client.chat.completions.create(
                model=model, messages=[{"role": "user", "content": s["prompt"]}], max_tokens=300,
                temperature=temperature, seed=i,
                response_format={"type": "json_schema", "json_schema": {"name": f"s{i}", "schema": s["schema"], "strict": True}})
            text = r.choices[0].message.content
            if r.choices[0].finish_reason != "stop":
                check(f"schema {i} at temperature {temperature} finished", False, f"finish_reason {r.choices[0].finish_reason}: {text[:200]}")
                continue
            try:
                jsonschema.validate(json.loads(text), s["schema"])
                check(f"schema {i} at temperature {temperature} validates", True)
            except Exception as e:  # noqa: BLE001 (report any parse or validation failure)
                check(f"schema {i} at temperature {temperature} validates", False, f"{e}: {text[:200]}")

    r = client.chat.completions.create(model=model, messages=[{"role": "user", "content": "Say hi."}], max_tokens=200,
                                       temperature=0.7, seed=5, response_format={"type": "json_object"})
    try:
        check("json_object gives an object", isinstance(json.loads(r.choices[0].message.content), dict))
    except ValueError as e:
        check("json_object gives an object", False, f"{e}: {r.choices[0].message.content[:200]}")

    fixed = 'Exactly this, "quoted".'
    r = client.completions.create(model=model, prompt="Write anything:", max_tokens=50, temperature=1.2, seed=9,
                                  extra_body={"grammar": 'root ::= "Exactly this, \\"quoted\\"."'})
    check("a one-string grammar gives exactly that string", r.choices[0].text == fixed, repr(r.choices[0].text))

    for body, param in [({"grammar": "root ::= undefined-rule"}, "grammar"),
                        ({"response_format": {"type": "json_schema", "json_schema": {"name": "p", "schema": {"type": "string", "pattern": "^a$"}}}}, "response_format"),
                        ({"response_format": {"type": "xml"}}, "response_format.type")]:
        try:
            client.chat.completions.create(model=model, messages=[{"role": "user", "content": "x"}], max_tokens=5, extra_body=body)
            check(f"refused: {body}", False, "accepted")
        except openai.BadRequestError as e:
            err = e.body if isinstance(e.body, dict) else {}
            check(f"refused with param {param}", err.get("param") == param, err)

    if a.bench:
        bench(client, model, a)

    failed = results.count(False)
    print(f"{len(results) - failed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
