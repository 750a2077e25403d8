#!/usr/bin/env python3
"""Drives a running `roofline serve` with the official `openai` Python client (and raw HTTP for what the
client cannot send), checking the OpenAI API surface end to end. Exits non-zero on the first failure.

    python3 scripts/server/openai_client_check.py --base-url http://127.0.0.1:8080 --api-key KEY

The server must run with --api-key KEY, --parallel 2 or more and --max-queue 1 (the queue-overflow check
needs a small queue), and a context of at most 1024 tokens (the too-long-prompt check).
"""
import argparse
import concurrent.futures as futures
import http.client
import json
import math
import subprocess
import sys
import time
import urllib.parse

import openai

from checklib import check, passed


def raw(base, method, path, body=None, key=None, headers=None):
    u = urllib.parse.urlparse(base)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
    h = {"Content-Type": "application/json"}
    if key:
        h["Authorization"] = f"Bearer {key}"
    h.update(headers or {})
    data = body if isinstance(body, (bytes, type(None))) else json.dumps(body).encode()
    conn.request(method, path, body=data, headers=h)
    r = conn.getresponse()
    payload = r.read()
    conn.close()
    return r.status, payload


def error_shape(payload):
    obj = json.loads(payload)
    e = obj.get("error", {})
    return isinstance(e.get("message"), str) and "type" in e and "param" in e and "code" in e, e


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base-url", required=True)
    ap.add_argument("--api-key", required=True)
    ap.add_argument("--roofline", help="the roofline executable, for reference logits (`roofline logits`)")
    ap.add_argument("--model-arg", default=None, help="--model for `roofline logits` (default: the default model)")
    args = ap.parse_args()
    base, key = args.base_url.rstrip("/"), args.api_key
    client = openai.OpenAI(base_url=base + "/v1", api_key=key, max_retries=0, timeout=120)

    # Models
    models = client.models.list().data
    check(len(models) == 1, "one model listed")
    model = models[0].id

    # Chat, whole and streamed: greedy text is the same both ways.
    msgs = [{"role": "user", "content": "Name three colours."}]
    whole = client.chat.completions.create(model=model, messages=msgs, max_tokens=24, temperature=0)
    ch = whole.choices[0]
    check(whole.object == "chat.completion" and ch.message.role == "assistant", "chat completion shape")
    check(isinstance(ch.message.content, str) and len(ch.message.content) > 0, "chat completion has text")
    check(ch.finish_reason in ("stop", "length"), "finish_reason")
    u = whole.usage
    check(u.prompt_tokens > 0 and 0 < u.completion_tokens <= 24 and u.total_tokens == u.prompt_tokens + u.completion_tokens, "usage")
    parts, usage, finish = [], None, None
    for chunk in client.chat.completions.create(model=model, messages=msgs, max_tokens=24, temperature=0, stream=True,
                                                stream_options={"include_usage": True}):
        check(chunk.object == "chat.completion.chunk", "chunk object")
        if chunk.usage:
            usage = chunk.usage
        for c in chunk.choices:
            if c.delta.content:
                parts.append(c.delta.content)
            if c.finish_reason:
                finish = c.finish_reason
    check("".join(parts) == ch.message.content, f"streamed chat equals whole: {''.join(parts)!r} vs {ch.message.content!r}")
    check(finish == ch.finish_reason, "streamed finish_reason")
    check(usage is not None and usage.completion_tokens == u.completion_tokens, "stream_options.include_usage")

    # Completions, whole and streamed, with a stop string.
    comp = client.completions.create(model=model, prompt="1, 2, 3, 4,", max_tokens=20, temperature=0, stop=[" 8"])
    text = comp.choices[0].text
    check(comp.object == "text_completion" and " 8" not in text and comp.choices[0].finish_reason == "stop", f"stop string: {text!r}")
    streamed = "".join(c.choices[0].text for c in client.completions.create(
        model=model, prompt="1, 2, 3, 4,", max_tokens=20, temperature=0, stop=" 8", stream=True) if c.choices)
    check(streamed == text, "streamed completion equals whole")
    capped = client.completions.create(model=model, prompt="Once upon a time", max_tokens=5, temperature=0.7, seed=7)
    check(capped.choices[0].finish_reason == "length" and capped.usage.completion_tokens == 5, "max_tokens caps with finish_reason length")
    again = client.completions.create(model=model, prompt="Once upon a time", max_tokens=5, temperature=0.7, seed=7)
    check(again.choices[0].text == capped.choices[0].text, "the same seed gives the same sample")
    pen = client.completions.create(model=model, prompt="the the the the", max_tokens=8, temperature=0,
                                    presence_penalty=1.5, frequency_penalty=0.5)
    check(pen.usage.completion_tokens > 0, "presence and frequency penalties are accepted")
    two = client.completions.create(model=model, prompt="The sky is", max_tokens=6, temperature=0, n=2)
    check(len(two.choices) == 2 and two.choices[0].text == two.choices[1].text and two.usage.completion_tokens == 12, "n = 2")

    # Log-probabilities: the values the sampler saw (greedy: temperature 1, the log-softmax of the logits).
    prompt = "The capital of France is"
    lp = client.completions.create(model=model, prompt=prompt, max_tokens=3, temperature=0, logprobs=5)
    L = lp.choices[0].logprobs
    check(len(L.tokens) == 3 and len(L.token_logprobs) == 3 and all(len(t) == 5 for t in L.top_logprobs), f"completions logprobs shape: {L}")
    check(all(L.token_logprobs[i] == max(L.top_logprobs[i].values()) for i in range(3)), "greedy picks the most likely token")
    check(L.text_offset[0] == 0 and L.text_offset[1] == len(L.tokens[0]), "text offsets")
    if args.roofline:
        cmd = [args.roofline, "logits", "--prompt", prompt, "--top", "1000000", "--threads", "1"]
        if args.model_arg:
            cmd += ["--model", args.model_arg]
        top = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)["top"]
        mx = max(l for _, l in top)
        lse = mx + math.log(sum(math.exp(l - mx) for _, l in top))
        want = [l - lse for _, l in top[:5]]
        got = sorted(L.top_logprobs[0].values(), reverse=True)
        check(all(abs(a - b) < 1e-3 for a, b in zip(want, got)), f"logprobs equal the log-softmax of `roofline logits`: {want} vs {got}")
    chat_lp = client.chat.completions.create(model=model, messages=[{"role": "user", "content": "Say hi."}], max_tokens=4,
                                             temperature=0, logprobs=True, top_logprobs=3)
    content = chat_lp.choices[0].logprobs.content
    check(len(content) == chat_lp.usage.completion_tokens and all(len(c.top_logprobs) == 3 for c in content),
          f"chat logprobs: one entry per token with 3 alternatives ({len(content)} for {chat_lp.usage.completion_tokens})")
    check(all(c.logprob == c.top_logprobs[0].logprob and c.top_logprobs[0].logprob >= c.top_logprobs[2].logprob for c in content),
          "chat logprobs ordered, greedy token first")
    check(all(bytes(c.bytes).decode("utf-8", "replace") == c.token for c in content if c.bytes is not None), "chat logprob bytes")
    streamed_lp = [c.choices[0].logprobs.content[0] for c in client.chat.completions.create(
        model=model, messages=[{"role": "user", "content": "Say hi."}], max_tokens=4, temperature=0, logprobs=True,
        top_logprobs=3, stream=True) if c.choices and c.choices[0].logprobs]
    check([c.logprob for c in streamed_lp] == [c.logprob for c in content], "streamed chat logprobs equal the whole answer's")
    for bad, param in (({"logprobs": True, "top_logprobs": 21}, "top_logprobs"), ({"top_logprobs": 2}, "top_logprobs")):
        s, p = raw(base, "POST", "/v1/chat/completions", dict({"messages": [{"role": "user", "content": "x"}]}, **bad), key)
        check(s == 400 and json.loads(p)["error"]["param"] == param, f"{bad}: 400 naming {param} ({s} {p[:120]!r})")

    # The Responses API (stateless): whole, streamed with its events in order, and refusals naming the field.
    resp = client.responses.create(model=model, input="Name three colours.", instructions="Be brief.", max_output_tokens=12, temperature=0)
    check(resp.object == "response" and resp.status in ("completed", "incomplete") and resp.output_text, f"responses shape: {resp}")
    check(resp.usage.input_tokens > 0 and 0 < resp.usage.output_tokens <= 12, "responses usage")
    items = client.responses.create(model=model, max_output_tokens=12, temperature=0, input=[
        {"role": "system", "content": "Be brief."}, {"role": "user", "content": [{"type": "input_text", "text": "Name three colours."}]}])
    check(items.output_text == resp.output_text, "input items equal instructions + text")
    kinds, deltas = [], ""
    for ev in client.responses.create(model=model, input="Name three colours.", instructions="Be brief.", max_output_tokens=12,
                                      temperature=0, stream=True):
        kinds.append(ev.type)
        if ev.type == "response.output_text.delta":
            deltas += ev.delta
    check(deltas == resp.output_text, f"streamed deltas equal the whole text: {deltas!r} vs {resp.output_text!r}")
    want = ["response.created", "response.in_progress", "response.output_item.added", "response.content_part.added"]
    tail = ["response.output_text.done", "response.content_part.done", "response.output_item.done"]
    check(kinds[:4] == want and kinds[-4:-1] == tail and kinds[-1] in ("response.completed", "response.incomplete")
          and set(kinds[4:-4]) <= {"response.output_text.delta"}, f"responses event order: {kinds}")
    for bad, param in (({"previous_response_id": "resp_1"}, "previous_response_id"), ({"store": True}, "store"),
                       ({"tools": [{"type": "function", "name": "f"}]}, "tools"),  # this model's template has no tools
                       ({"tools": [{"type": "web_search"}]}, "tools[0].type"),
                       ({"text": {"format": {"type": "json_schema", "name": "x", "schema": {"type": "string", "pattern": "a"}}}}, "text.format")):
        s, p = raw(base, "POST", "/v1/responses", dict({"model": model, "input": "hi"}, **bad), key)
        check(s == 400 and json.loads(p)["error"]["param"] == param, f"responses {param}: 400 naming it ({s} {p[:160]!r})")

    shaped = client.responses.create(model=model, input="Give a colour and a number.", max_output_tokens=60, temperature=0.8, text={
        "format": {"type": "json_schema", "name": "pair", "strict": True, "schema": {"type": "object", "properties": {
            "colour": {"type": "string", "maxLength": 12}, "n": {"type": "integer"}}, "required": ["colour", "n"]}}})
    pair = json.loads(shaped.output_text)
    check(isinstance(pair.get("colour"), str) and isinstance(pair.get("n"), int), f"responses text.format json_schema: {shaped.output_text!r}")

    # Concurrent streams give the same greedy text as one at a time.
    prompts = ["The capital of Italy is", "def add(a, b):", "Roses are red,"]  # 2 slots + 1 queued
    alone = [client.completions.create(model=model, prompt=p, max_tokens=16, temperature=0).choices[0].text for p in prompts]

    def streamed_text(p):
        return "".join(c.choices[0].text for c in client.completions.create(
            model=model, prompt=p, max_tokens=16, temperature=0, stream=True) if c.choices)
    with futures.ThreadPoolExecutor(len(prompts)) as ex:
        together = list(ex.map(streamed_text, prompts))
    check(together == alone, f"concurrent greedy equals alone: {together} vs {alone}")

    # Errors in OpenAI's shape, through the client.
    try:
        client.chat.completions.create(model="no-such-model", messages=msgs, max_tokens=4)
        check(False, "unknown model must fail")
    except openai.NotFoundError as e:
        check(e.status_code == 404 and e.body.get("code") == "model_not_found", "unknown model: 404 model_not_found")
    try:
        client.chat.completions.create(model=model, messages=msgs, temperature=3)
        check(False, "temperature 3 must fail")
    except openai.BadRequestError as e:
        check(e.body.get("param") == "temperature", "bad temperature names its param")
    try:
        client.completions.create(model=model, prompt="word " * 3000, max_tokens=4)
        check(False, "a prompt over the context must fail")
    except openai.BadRequestError as e:
        check(e.body.get("code") == "context_length_exceeded" and "tokens" in e.body.get("message", ""), "prompt over the context: 400 naming lengths")
    try:
        openai.OpenAI(base_url=base + "/v1", api_key="wrong", max_retries=0).models.list()
        check(False, "a wrong key must fail")
    except openai.AuthenticationError as e:
        check(e.status_code == 401, "wrong key: 401")

    # Raw HTTP: what the client never sends.
    s, p = raw(base, "POST", "/v1/chat/completions", b"{not json", key)
    ok, e = error_shape(p)
    check(s == 400 and ok and e["code"] == "invalid_json", f"malformed JSON: 400 {p!r}")
    s, p = raw(base, "POST", "/v1/chat/completions", {"model": model, "messages": "hi"}, key)
    check(s == 400 and error_shape(p)[1]["param"] == "messages", "wrong type names its param")
    s, p = raw(base, "POST", "/v1/completions", {"prompt": "x", "max_tokens": True}, key)
    check(s == 400 and error_shape(p)[0], "boolean for an integer: 400")
    s, p = raw(base, "POST", "/v1/chat/completions", {"messages": [{"role": "user", "content": "hi"}]})
    check(s == 401 and error_shape(p)[0], "no key: 401")
    s, p = raw(base, "POST", "/v1/completions", b"{\"prompt\": \"" + b"a" * (5 << 20) + b"\"}", key)
    check(s == 413 and error_shape(p)[0], f"oversized body: 413 (got {s})")
    for junk in [b"", b"null", b"[]", b"123", b"{\"prompt\": null}", b"{\"prompt\": [\"a\", \"b\"]}", b"\xff\xfe",
                 b"{\"prompt\": \"x\", \"stop\": 5}", b"{\"prompt\": [-1, 99999999]}", b"{\"messages\": [{\"role\": \"wizard\", \"content\": \"x\"}]}"]:
        for path in ["/v1/completions", "/v1/chat/completions"]:
            s, p = raw(base, "POST", path, junk, key)
            check(s == 400 and error_shape(p)[0], f"junk body {junk[:30]!r} on {path}: 400 with error shape (got {s} {p[:200]!r})")
    s, p = raw(base, "GET", "/v1/nothing", None, key)
    check(s == 404 and error_shape(p)[0], "unknown route: 404 error shape")
    s, p = raw(base, "GET", "/health")
    check(s == 200 and json.loads(p)["status"] == "ok", "health without a key")

    # A client that disconnects mid-stream frees its slot.
    u = urllib.parse.urlparse(base)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
    conn.request("POST", "/v1/completions", body=json.dumps({"prompt": "1, 2, 3,", "max_tokens": 400, "temperature": 0, "stream": True}),
                 headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
    r = conn.getresponse()
    r.readline()
    conn.sock.close()
    conn.close()
    freed = False
    for _ in range(100):
        time.sleep(0.05)
        if json.loads(raw(base, "GET", "/health")[1])["active"] == 0:
            freed = True
            break
    check(freed, "a disconnected stream frees its slot")

    # Queue overflow: more long requests than slots + queue get 429 with the error shape.
    body = {"prompt": "1, 2, 3,", "max_tokens": 60, "temperature": 0}
    with futures.ThreadPoolExecutor(8) as ex:
        results = list(ex.map(lambda _: raw(base, "POST", "/v1/completions", body, key), range(8)))
    statuses = [s for s, _ in results]
    check(statuses.count(200) >= 2 and statuses.count(429) >= 1 and set(statuses) <= {200, 429}, f"queue overflow answers 429: {statuses}")
    check(all(error_shape(p)[1]["code"] == "queue_full" for s, p in results if s == 429), "429 error shape")

    # Metrics
    s, p = raw(base, "GET", "/metrics", None, key)
    text = p.decode()
    for name in ["roofline_requests_total", "roofline_prompt_tokens_total", "roofline_generated_tokens_total", "roofline_queue_depth",
                 "roofline_active_sequences", "roofline_time_to_first_token_seconds_bucket", "roofline_inter_token_latency_seconds_bucket",
                 "roofline_kv_cache_used_tokens", "roofline_kv_cache_usage_ratio"]:
        check(s == 200 and name in text, f"metric {name}")
    print(f"ok: {passed()} checks passed against {base}")


if __name__ == "__main__":
    main()
