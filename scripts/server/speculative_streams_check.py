#!/usr/bin/env python3
"""Concurrent speculative streams over HTTP: against a `roofline serve --lookup` and/or `--draft-model` server,
sends --clients streamed greedy completions at once, then the same prompts one at a time with
"speculative": false, and checks that every streamed text equals its plain one, that the speculation counters
in /metrics moved, and that every KV block came back.

    python3 scripts/server/speculative_streams_check.py --base-url http://127.0.0.1:8080

Prints one line per check and 'N checks passed' (exit 0) or the failures (exit 1).
"""
import argparse
import http.client
import json
import re
import sys
import threading
import urllib.parse

PROMPTS = [
    "Repeat this sentence exactly: the quick brown fox jumps over the lazy dog. The quick brown fox",
    "def add(a, b):\n    return a + b\n\ndef sub(a, b):\n    return a - b\n\ndef add(a, b):\n",
    "1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 1, 2, 3, 4, 5,",
    "The history of printing begins",
]


def request(base, path, body=None, method="POST"):
    u = urllib.parse.urlparse(base)
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=300)
    c.request(method, path, body=json.dumps(body) if body is not None else None, headers={"Content-Type": "application/json"})
    return c, c.getresponse()


def streamed(base, prompt, max_tokens):
    c, r = request(base, "/v1/completions", {"prompt": prompt, "max_tokens": max_tokens, "temperature": 0, "stream": True})
    if r.status != 200:
        raise RuntimeError(f"HTTP {r.status}: {r.read()[:200]!r}")
    text = ""
    for raw in r:
        line = raw.strip()
        if not line.startswith(b"data: ") or line == b"data: [DONE]":
            continue
        obj = json.loads(line[6:])
        if "error" in obj:
            raise RuntimeError(str(obj["error"]))
        text += "".join(ch.get("text") or "" for ch in obj.get("choices", []))
    c.close()
    return text


def plain(base, prompt, max_tokens):
    c, r = request(base, "/v1/completions", {"prompt": prompt, "max_tokens": max_tokens, "temperature": 0, "speculative": False})
    obj = json.loads(r.read())
    c.close()
    return obj["choices"][0]["text"]


def metrics(base):
    c, r = request(base, "/metrics", method="GET")
    text = r.read().decode()
    c.close()
    return {m.group(1): float(m.group(2)) for m in re.finditer(r"^(roofline_[a-z_]+) ([0-9.eE+-]+)$", text, re.M)}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--base-url", required=True)
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--max-tokens", type=int, default=48)
    args = ap.parse_args()
    prompts = [PROMPTS[i % len(PROMPTS)] for i in range(args.clients)]
    before = metrics(args.base_url)
    got, errors = [None] * len(prompts), []

    def run(i):
        try:
            got[i] = streamed(args.base_url, prompts[i], args.max_tokens)
        except Exception as e:  # noqa: BLE001 - reported as a failed check
            errors.append(f"stream {i}: {e}")
    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(prompts))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    after = metrics(args.base_url)
    failures, passed = [], 0

    def check(name, ok, detail=""):
        nonlocal passed
        print(("ok   " if ok else "FAIL ") + name + (f": {detail}" if detail else ""), flush=True)
        if ok:
            passed += 1
        else:
            failures.append(name)
    check("every stream finished", not errors, "; ".join(errors))
    for i, p in enumerate(prompts):
        want = plain(args.base_url, p, args.max_tokens)
        check(f"stream {i} equals plain decoding", got[i] == want, f"{got[i]!r} vs {want!r}" if got[i] != want else "")
    proposed = after.get("roofline_speculative_proposed_tokens", 0) - before.get("roofline_speculative_proposed_tokens", 0)
    accepted = after.get("roofline_speculative_accepted_tokens", 0) - before.get("roofline_speculative_accepted_tokens", 0)
    check("proposals were made and accepted", proposed > 0 and 0 < accepted <= proposed, f"{accepted:.0f} of {proposed:.0f}")
    end = metrics(args.base_url)
    check("every KV block came back", end.get("roofline_kv_blocks_in_use") == 0 and end.get("roofline_active_sequences") == 0,
          f"in use {end.get('roofline_kv_blocks_in_use')}, active {end.get('roofline_active_sequences')}")
    if failures:
        print(f"{len(failures)} checks failed")
        sys.exit(1)
    print(f"{passed} checks passed")


if __name__ == "__main__":
    main()
