#!/usr/bin/env python3
"""Drives a running `roofline serve` with the official `anthropic` Python client (and raw HTTP), checking the
Messages API end to end: whole and streamed answers (events in the documented order), stop sequences,
max_tokens, the x-api-key header, count_tokens, and Anthropic-shaped errors. Exits non-zero on the first failure.

    python3 scripts/server/anthropic_client_check.py --base-url http://127.0.0.1:8080 --api-key KEY
"""
import argparse
import http.client
import json
import sys
import urllib.parse

import anthropic

from checklib import check, passed


def raw(base, path, body, headers):
    u = urllib.parse.urlparse(base)
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
    c.request("POST", path, body=json.dumps(body).encode(), headers=dict({"Content-Type": "application/json"}, **headers))
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, data


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base-url", required=True)
    ap.add_argument("--api-key", required=True)
    args = ap.parse_args()
    base, key = args.base_url.rstrip("/"), args.api_key
    client = anthropic.Anthropic(base_url=base, api_key=key, max_retries=0, timeout=120)
    msgs = [{"role": "user", "content": "Count from 1 to 20, separated by commas."}]
    u = urllib.parse.urlparse(base)
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
    c.request("GET", "/v1/models", headers={"x-api-key": key})
    model = json.loads(c.getresponse().read())["data"][0]["id"]
    c.close()

    m = client.messages.create(model=model, max_tokens=24, messages=msgs, extra_body={"temperature": 0}, system="You are terse.")
    check(m.type == "message" and m.role == "assistant" and m.content[0].type == "text" and m.content[0].text, f"message shape: {m}")
    check(m.stop_reason in ("end_turn", "max_tokens") and m.usage.input_tokens > 0 and 0 < m.usage.output_tokens <= 24, "stop_reason and usage")

    # Streaming: events in the documented order, text equal to the whole answer.
    kinds, text = [], ""
    with client.messages.stream(model=model, max_tokens=24, messages=msgs, extra_body={"temperature": 0}, system="You are terse.") as s:
        for e in s:
            kinds.append(e.type)
        final = s.get_final_message()
    text = "".join(b.text for b in final.content if b.type == "text")
    check(text == m.content[0].text, f"streamed text equals whole: {text!r} vs {m.content[0].text!r}")
    core = [k for k in kinds if k in ("message_start", "content_block_start", "content_block_delta", "content_block_stop", "message_delta", "message_stop")]
    check(core[:2] == ["message_start", "content_block_start"] and core[-3:] == ["content_block_stop", "message_delta", "message_stop"]
          and set(core[2:-3]) <= {"content_block_delta"}, f"event order: {core}")
    check(final.stop_reason == m.stop_reason and final.usage.output_tokens == m.usage.output_tokens, "streamed stop_reason and usage")

    # Stop sequences and max_tokens.
    st = client.messages.create(model=model, max_tokens=40, messages=msgs, extra_body={"temperature": 0}, stop_sequences=[" 5"])
    check(st.stop_reason == "stop_sequence" and st.stop_sequence == " 5" and " 5" not in st.content[0].text, f"stop sequence: {st}")
    capped = client.messages.create(model=model, max_tokens=3, messages=msgs, extra_body={"temperature": 0})
    check(capped.stop_reason == "max_tokens" and capped.usage.output_tokens == 3, "max_tokens")

    # count_tokens equals the input tokens of a generation with the same conversation.
    n = client.messages.count_tokens(model=model, messages=msgs, system="You are terse.")
    check(n.input_tokens == m.usage.input_tokens, f"count_tokens {n.input_tokens} vs {m.usage.input_tokens}")

    # Errors in Anthropic's shape.
    for body, what in (({"messages": msgs, "model": model}, "max_tokens"), ({"max_tokens": 5, "messages": msgs, "tools": [{"name": "f", "input_schema": {"type": "object"}}]}, "tools"),
                       ({"max_tokens": 5, "messages": [{"role": "user", "content": [{"type": "image", "source": {}}]}]}, "image"),
                       ({"max_tokens": 5, "messages": msgs, "temperature": 1.5}, "temperature")):
        s, p = raw(base, "/v1/messages", body, {"x-api-key": key})
        e = json.loads(p)
        check(s == 400 and e.get("type") == "error" and e["error"]["type"] == "invalid_request_error" and what in e["error"]["message"],
              f"{what}: 400 invalid_request_error naming it ({s} {p[:200]!r})")
    s, p = raw(base, "/v1/messages", {"max_tokens": 5, "messages": msgs}, {"x-api-key": "wrong"})
    check(s == 401 and json.loads(p)["error"]["type"] == "authentication_error", f"wrong key: 401 authentication_error ({s})")
    try:
        anthropic.Anthropic(base_url=base, api_key="wrong", max_retries=0).messages.create(model=model, max_tokens=5, messages=msgs)
        check(False, "a wrong key must fail")
    except anthropic.AuthenticationError:
        check(True, "")
    s, p = raw(base, "/v1/messages", {"max_tokens": 5, "messages": msgs, "model": "claude-none"}, {"x-api-key": key})
    check(s == 404 and json.loads(p)["error"]["type"] == "not_found_error", f"unknown model: 404 not_found_error ({s})")
    print(f"ok: {passed()} checks passed against {base}")


if __name__ == "__main__":
    main()
