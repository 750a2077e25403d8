#!/usr/bin/env python3
"""Sends random, mostly-valid OpenAI requests (each field valid 85% of the time, else a value of the wrong type
or range) to a running `roofline serve`, and checks every answer: 200 with a well-formed body or stream ending
in [DONE], or an error in OpenAI's shape; never a 5xx, a dropped connection or a dead server.

    python3 scripts/server/fuzz_requests.py --base-url http://127.0.0.1:8080 --requests 400 --seed 2
"""
import argparse
import http.client
import json
import random
import sys
import urllib.parse

BAD = [None, True, 0, -1, 2**63, 1e308, "", "x" * 3000, [], {}, [1, 2], [-5], [2**40], 3]
GOOD = {"messages": [[{"role": "user", "content": "hi"}],
                     [{"role": "system", "content": ""}, {"role": "user", "content": [{"type": "text", "text": "yo"}]}]],
        "prompt": ["Hello", ["Hi"], [1, 2, 3], "<|im_start|>x"], "max_tokens": [1, 3, 5], "temperature": [0, 0.5, 2],
        "top_p": [0, 0.5, 1], "top_k": [0, 1, 50], "min_p": [0, 0.2], "seed": [0, -3, 2**62], "stop": ["\n", ["a", "b"], []],
        "n": [1, 2], "stream": [True, False], "stream_options": [{"include_usage": True}], "echo": [True, False],
        "ignore_eos": [True], "repeat_penalty": [1.1]}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base-url", required=True)
    ap.add_argument("--api-key")
    ap.add_argument("--requests", type=int, default=400)
    ap.add_argument("--seed", type=int, default=2)
    args = ap.parse_args()
    random.seed(args.seed)
    u = urllib.parse.urlparse(args.base_url)
    headers = {"Content-Type": "application/json"}
    if args.api_key:
        headers["Authorization"] = f"Bearer {args.api_key}"
    codes = {}
    for _ in range(args.requests):
        path = random.choice(["/v1/completions", "/v1/chat/completions"])
        d = {}
        for k in random.sample(list(GOOD), random.randint(0, 9)):
            d[k] = random.choice(GOOD[k]) if random.random() < 0.85 else random.choice(BAD)
        d.setdefault("messages" if "chat" in path else "prompt", GOOD["messages"][0] if "chat" in path else "Hello")
        d.setdefault("max_tokens", random.choice([1, 2, 4]))
        body = json.dumps(d).encode()
        c = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
        c.request("POST", path, body=body, headers=headers)
        r = c.getresponse()
        p = r.read()
        codes[r.status] = codes.get(r.status, 0) + 1
        if r.status >= 500:
            sys.exit(f"FAIL: {r.status} for {body[:200]!r}: {p[:300]!r}")
        if r.status == 200 and p.startswith(b"data:"):
            if not p.rstrip().endswith(b"[DONE]"):
                sys.exit(f"FAIL: stream without [DONE] for {body[:200]!r}")
        elif r.status == 200:
            o = json.loads(p)
            if not o.get("choices") or "usage" not in o:
                sys.exit(f"FAIL: malformed answer for {body[:200]!r}: {p[:200]!r}")
        else:
            e = json.loads(p).get("error", {})
            if not isinstance(e.get("message"), str) or "type" not in e:
                sys.exit(f"FAIL: error without OpenAI's shape for {body[:200]!r}: {p[:200]!r}")
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=5)
    c.request("GET", "/health")
    if c.getresponse().status != 200:
        sys.exit("FAIL: server unhealthy after the run")
    print(f"ok: {args.requests} requests, statuses {dict(sorted(codes.items()))}")


if __name__ == "__main__":
    main()
